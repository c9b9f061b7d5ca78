import type {
  AttributeFilter,
  AttributePath,
  CompareOperator,
  FilterValue,
} from '../../domain/directory/attribute-filter';

/** A filter or path the client sent that does not follow RFC 7644 §3.4.2.2; maps to 400 invalidFilter. */
export class FilterSyntaxError extends Error {
  constructor(message: string, readonly position: number) {
    super(`${message} (at character ${position + 1})`);
    this.name = 'FilterSyntaxError';
  }
}

const MAX_FILTER_LENGTH = 4096;
const MAX_NESTING = 32;
const COMPARE_OPERATORS = new Set(['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le']);

type Token =
  | { type: 'word'; text: string; at: number }
  | { type: 'string'; value: string; at: number }
  | { type: 'number'; value: number; at: number }
  | { type: '(' | ')' | '[' | ']'; at: number }
  | { type: 'end'; at: number };

/** Splits filter text into words (attribute paths, operators, literals), strings, numbers and brackets. */
function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i += 1;
    } else if (c === '(' || c === ')' || c === '[' || c === ']') {
      tokens.push({ type: c, at: i });
      i += 1;
    } else if (c === '"') {
      const start = i;
      i += 1;
      let raw = '"';
      while (i < text.length && text[i] !== '"') {
        if (text[i] === '\\') {
          raw += text.slice(i, i + 2);
          i += 2;
        } else {
          raw += text[i];
          i += 1;
        }
      }
      if (i >= text.length) throw new FilterSyntaxError('Unterminated string', start);
      raw += '"';
      i += 1;
      let value: string;
      try {
        value = JSON.parse(raw) as string;
      } catch {
        throw new FilterSyntaxError('Invalid escape in string', start);
      }
      if (value.includes('\u0000')) throw new FilterSyntaxError('Strings may not contain NUL characters', start);
      tokens.push({ type: 'string', value, at: start });
    } else if (/[-0-9]/.test(c)) {
      const match = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?/.exec(text.slice(i));
      if (!match || match[0] === '-') throw new FilterSyntaxError('Invalid number', i);
      tokens.push({ type: 'number', value: Number(match[0]), at: i });
      i += match[0].length;
    } else if (/[A-Za-z_$]/.test(c)) {
      const start = i;
      // Attribute paths include URNs (colons, dots in versions) and sub-attributes; '@' and '+' only ever
      // make a valid bare value (an unquoted e-mail address), never a valid attribute path.
      while (i < text.length && /[A-Za-z0-9_$:.@+-]/.test(text[i])) i += 1;
      tokens.push({ type: 'word', text: text.slice(start, i), at: start });
    } else {
      throw new FilterSyntaxError(`Unexpected character ${JSON.stringify(c)}`, i);
    }
  }
  tokens.push({ type: 'end', at: text.length });
  return tokens;
}

const ATTRIBUTE_NAME = /^[A-Za-z$][A-Za-z0-9_$-]*$/;

/**
 * Parses `[URN ":"] attribute ["." subAttribute]`. The attribute name is what follows the last colon, so
 * dots inside the URN ("2.0") are not taken for a sub-attribute.
 */
export function parseAttributePath(text: string, at = 0): AttributePath {
  const colon = text.lastIndexOf(':');
  const schema = colon >= 0 ? text.slice(0, colon) : null;
  if (schema !== null && !/^urn:[A-Za-z0-9][A-Za-z0-9-]{0,31}:[A-Za-z0-9()+,\-.:=@;$_!*'%/?#]+$/i.test(schema)) {
    throw new FilterSyntaxError(`Invalid schema URN "${schema}"`, at);
  }
  const local = text.slice(colon + 1);
  const [attribute, subAttribute, extra] = local.split('.');
  if (extra !== undefined || !ATTRIBUTE_NAME.test(attribute ?? '') || (subAttribute !== undefined && !ATTRIBUTE_NAME.test(subAttribute))) {
    throw new FilterSyntaxError(`Invalid attribute path "${text}"`, at);
  }
  return { schema, attribute, subAttribute: subAttribute ?? null };
}

/** Recursive descent over RFC 7644's grammar; precedence: not > and > or; operators case-insensitive. */
class Parser {
  private index = 0;
  private depth = 0;

  constructor(private readonly tokens: Token[]) {}

  parseWhole(): AttributeFilter {
    const filter = this.parseOr();
    const next = this.peek();
    if (next.type !== 'end') throw new FilterSyntaxError('Unexpected input after the filter', next.at);
    return filter;
  }

  private peek(): Token {
    return this.tokens[this.index];
  }

  private next(): Token {
    return this.tokens[this.index++];
  }

  private isWord(token: Token, word: string): boolean {
    return token.type === 'word' && token.text.toLowerCase() === word;
  }

  private parseOr(): AttributeFilter {
    let left = this.parseAnd();
    while (this.isWord(this.peek(), 'or')) {
      this.next();
      left = { kind: 'or', left, right: this.parseAnd() };
    }
    return left;
  }

  private parseAnd(): AttributeFilter {
    let left = this.parseUnary();
    while (this.isWord(this.peek(), 'and')) {
      this.next();
      left = { kind: 'and', left, right: this.parseUnary() };
    }
    return left;
  }

  private parseUnary(): AttributeFilter {
    const token = this.peek();
    if (this.isWord(token, 'not') && this.tokens[this.index + 1]?.type === '(') {
      this.next();
      return { kind: 'not', filter: this.parseGroup() };
    }
    if (token.type === '(') return this.parseGroup();
    return this.parseAttributeExpression();
  }

  private parseGroup(): AttributeFilter {
    const open = this.next();
    if (open.type !== '(') throw new FilterSyntaxError('Expected "("', open.at);
    if (++this.depth > MAX_NESTING) throw new FilterSyntaxError('Filter is nested too deeply', open.at);
    const inner = this.parseOr();
    const close = this.next();
    if (close.type !== ')') throw new FilterSyntaxError('Expected ")"', close.at);
    this.depth -= 1;
    return inner;
  }

  private parseAttributeExpression(): AttributeFilter {
    const token = this.next();
    if (token.type !== 'word') throw new FilterSyntaxError('Expected an attribute name', token.at);
    const path = parseAttributePath(token.text, token.at);
    if (this.peek().type === '[') {
      const open = this.next();
      if (path.subAttribute !== null) throw new FilterSyntaxError('A value filter follows the attribute, not a sub-attribute', open.at);
      if (++this.depth > MAX_NESTING) throw new FilterSyntaxError('Filter is nested too deeply', open.at);
      const inner = this.parseOr();
      const close = this.next();
      if (close.type !== ']') throw new FilterSyntaxError('Expected "]"', close.at);
      this.depth -= 1;
      assertRelative(inner, open.at);
      return { kind: 'valuePath', path, filter: inner };
    }
    const operator = this.next();
    if (operator.type !== 'word') throw new FilterSyntaxError('Expected an operator', operator.at);
    const op = operator.text.toLowerCase();
    if (op === 'pr') return { kind: 'present', path };
    if (!COMPARE_OPERATORS.has(op)) throw new FilterSyntaxError(`Unknown operator "${operator.text}"`, operator.at);
    return { kind: 'compare', path, op: op as CompareOperator, value: this.parseValue() };
  }

  private parseValue(): FilterValue {
    const token = this.next();
    if (token.type === 'string' || token.type === 'number') return token.value;
    if (token.type === 'word') {
      const word = token.text.toLowerCase();
      if (word === 'true') return true;
      if (word === 'false') return false;
      if (word === 'null') return null;
      // Microsoft's SCIM reference collection sends bare words (`userName sw O`), which its reference server
      // reads as strings; so does Portico. A logical operator is never a value.
      if (word !== 'and' && word !== 'or' && word !== 'not') return token.text;
    }
    throw new FilterSyntaxError('Expected a value: a "string", a number, true, false or null', token.at);
  }
}

/** Inside `attr[…]` the attributes are sub-attributes of `attr`: plain names, no URN, no dots. */
function assertRelative(filter: AttributeFilter, at: number): void {
  switch (filter.kind) {
    case 'and':
    case 'or':
      assertRelative(filter.left, at);
      assertRelative(filter.right, at);
      return;
    case 'not':
      assertRelative(filter.filter, at);
      return;
    case 'valuePath':
      throw new FilterSyntaxError('Value filters cannot be nested', at);
    default:
      if (filter.path.schema !== null || filter.path.subAttribute !== null) {
        throw new FilterSyntaxError('Inside [ ] name sub-attributes only', at);
      }
  }
}

/** Parses a SCIM filter (RFC 7644 §3.4.2.2) into the domain's attribute filter. */
export function parseFilter(text: string): AttributeFilter {
  if (text.length > MAX_FILTER_LENGTH) throw new FilterSyntaxError(`Filter is longer than ${MAX_FILTER_LENGTH} characters`, 0);
  if (text.trim() === '') throw new FilterSyntaxError('Filter is empty', 0);
  return new Parser(tokenize(text)).parseWhole();
}

/** A PATCH path (RFC 7644 §3.5.2): `attr`, `attr.sub`, `urn:…:attr`, `attr[filter]` or `attr[filter].sub`. */
export interface PatchPath {
  path: AttributePath;
  valueFilter: AttributeFilter | null;
}

export function parsePatchPath(text: string): PatchPath {
  if (text.length > MAX_FILTER_LENGTH) throw new FilterSyntaxError('Path is too long', 0);
  const trimmed = text.trim();
  const open = trimmed.indexOf('[');
  if (open < 0) return { path: parseAttributePath(trimmed), valueFilter: null };
  const close = trimmed.lastIndexOf(']');
  if (close < open) throw new FilterSyntaxError('Expected "]"', trimmed.length);
  const head = parseAttributePath(trimmed.slice(0, open));
  if (head.subAttribute !== null) throw new FilterSyntaxError('A value filter follows the attribute, not a sub-attribute', open);
  const rest = trimmed.slice(close + 1);
  let subAttribute: string | null = null;
  if (rest !== '') {
    if (!rest.startsWith('.') || !ATTRIBUTE_NAME.test(rest.slice(1))) throw new FilterSyntaxError(`Invalid path after "]": "${rest}"`, close + 1);
    subAttribute = rest.slice(1);
  }
  const inner = new Parser(tokenize(trimmed.slice(open + 1, close))).parseWhole();
  assertRelative(inner, open);
  return { path: { ...head, subAttribute }, valueFilter: inner };
}
