import { namesSecret, redactSecrets } from '../domain/shared/changes';

const REDACTED = '[redacted]';
const COMPARE_OPERATORS = new Set(['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le', 'pr']);
/** Quoted strings (possibly unterminated), brackets, or runs of anything else up to whitespace or a bracket. */
const FILTER_TOKEN = /"(?:[^"\\]|\\.)*"?|[()[\]]|[^\s()[\]"]+/g;

/**
 * Filter (or PATCH path) text with every comparison against a secret attribute blanked:
 * `password eq "x"` → `password eq [redacted]`. It works on text that does not parse (a refused request's
 * filter often does not): after a secret-looking name, everything up to the next `and`/`or`, `)` or `]`
 * goes, except a comparison operator, which is kept so the log still shows what was asked.
 */
export function redactFilterText(text: string, onRedacted: (removed: string) => void = () => {}): string {
  let out = '';
  let copiedUpTo = 0;
  let redacting = false;
  for (const match of text.matchAll(FILTER_TOKEN)) {
    const token = match[0];
    const lower = token.toLowerCase();
    const isWord = !token.startsWith('"') && !/^[()[\]]$/.test(token);
    if (!redacting) {
      if (isWord && namesSecret(token)) redacting = true;
      continue;
    }
    if (token === ')' || token === ']' || lower === 'and' || lower === 'or') {
      redacting = false;
      continue;
    }
    if (isWord && COMPARE_OPERATORS.has(lower)) continue;
    out += text.slice(copiedUpTo, match.index) + REDACTED;
    copiedUpTo = match.index + token.length;
    onRedacted(token);
    if (token.startsWith('"')) onRedacted(token.replace(/^"|"$/g, ''));
  }
  return out + text.slice(copiedUpTo);
}

/** Every string in `value`, at any depth, through `redactFilterText`. */
function redactFilterStrings(value: unknown, onRedacted: (removed: string) => void): unknown {
  if (typeof value === 'string') return redactFilterText(value, onRedacted);
  if (Array.isArray(value)) return value.map((item) => redactFilterStrings(item, onRedacted));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, redactFilterStrings(inner, onRedacted)]));
  }
  return value;
}

export interface RedactedRequest {
  body: unknown;
  query: unknown;
  /** Text (an error message) with every secret found in the request replaced. */
  scrub(text: string): string;
}

/**
 * What of a SCIM request may be kept in the provisioning log: secret members by name (`password`, also under
 * the core schema URN), PATCH operations whose path names a secret, and comparisons with a secret in a
 * filter (query string, `.search` body, or a PATCH path's value filter). `scrub` takes the same secrets out
 * of any text built from the request, since an error message may quote what was sent.
 */
export function redactScimRequest(request: { body: unknown; query: unknown }): RedactedRequest {
  const secrets = new Set<string>();
  const collect = (removed: unknown) => {
    if (typeof removed === 'string' || typeof removed === 'number') {
      if (String(removed) !== '') secrets.add(String(removed));
    } else if (removed !== null && typeof removed === 'object') {
      for (const inner of Object.values(removed)) collect(inner);
    }
  };
  const redact = (value: unknown) => (value === undefined ? undefined : redactFilterStrings(redactSecrets(value, collect), collect));
  const body = redact(request.body);
  const query = redact(request.query);
  // One pass, longest first: a secret that contains another is replaced whole, and no replacement is re-read.
  const ordered = [...secrets].sort((a, b) => b.length - a.length).map((secret) => secret.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  const pattern = ordered.length === 0 ? null : new RegExp(ordered.join('|'), 'g');
  return { body, query, scrub: (text) => (pattern ? text.replace(pattern, REDACTED) : text) };
}
