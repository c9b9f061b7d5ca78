import { DomainError } from '../domain/shared/domain-error';
import { escapeLike, isUuid } from '../domain/shared/sql';
import type { AttributeFilter, AttributePath, CompareOperator, FilterValue } from '../domain/directory/attribute-filter';

/**
 * Translation of an AttributeFilter into one parameterised SQL condition. Each resource describes its
 * attributes in a catalog (which SQL expression, which type, whether case matters); nothing the client
 * sent is ever spliced into SQL text: every value is a `?` binding.
 */
export type Scalar =
  | { type: 'string'; sql: string; caseExact: boolean }
  | { type: 'boolean'; sql: string }
  | { type: 'dateTime'; sql: string }
  | { type: 'uuid'; sql: string };

/** Elements of a multi-valued attribute: a FROM clause correlated to the outer row, and sub-attributes over it. */
export interface ElementSource {
  from: string;
  where: string;
  subAttributes: Record<string, Scalar>;
  /** Sub-attribute used when a filter names the attribute alone (`emails co "@x"` means emails.value). */
  defaultSub: string;
  /** Ordering of elements to take the primary one (for sortBy). */
  primaryOrder?: string;
}

export type AttributeDefinition =
  | { kind: 'scalar'; column: Scalar }
  | { kind: 'complex'; subAttributes: Record<string, Scalar>; defaultSub?: string }
  | { kind: 'multi'; source: ElementSource };

export interface AttributeCatalog {
  /** Attributes by lower-cased schema URN, then lower-cased attribute name. */
  schemas: Record<string, Record<string, AttributeDefinition>>;
  /** Schemas whose attributes may be named without their URN (core first). */
  unqualified: string[];
  /** JSONB column holding attributes of other schema extensions (`{ urn: { attr: value } }`). */
  extensionsColumn: string;
  /** SQL every searchable row meets besides its tenant (users: not a tombstone); none when absent. */
  rowCondition?: string;
}

export interface SqlFragment {
  sql: string;
  bindings: unknown[];
}

const invalidFilter = (message: string) => new DomainError('BAD_USER_INPUT', message, { scimType: 'invalidFilter' });

const lower = (map: Record<string, AttributeDefinition | Scalar>, name: string) => {
  const key = Object.keys(map).find((k) => k.toLowerCase() === name.toLowerCase());
  return key === undefined ? undefined : map[key];
};

type Resolved =
  | { kind: 'scalar'; column: Scalar }
  | { kind: 'complex'; definition: Extract<AttributeDefinition, { kind: 'complex' }> }
  | { kind: 'multi'; source: ElementSource; sub: string | null };

/** Finds what a path names: a modeled attribute, or an attribute of another extension (kept as JSONB). */
function resolve(catalog: AttributeCatalog, path: AttributePath): Resolved {
  const schemaKey = path.schema?.toLowerCase() ?? null;
  const candidates = schemaKey === null ? catalog.unqualified : [schemaKey];
  const modeled = schemaKey === null || catalog.schemas[schemaKey] !== undefined;
  if (modeled) {
    for (const schema of candidates) {
      const definition = lower(catalog.schemas[schema] ?? {}, path.attribute) as AttributeDefinition | undefined;
      if (!definition) continue;
      if (definition.kind === 'scalar') {
        if (path.subAttribute !== null) throw invalidFilter(`${path.attribute} has no sub-attributes`);
        return { kind: 'scalar', column: definition.column };
      }
      if (definition.kind === 'complex') {
        if (path.subAttribute === null) {
          if (definition.defaultSub) return { kind: 'scalar', column: definition.subAttributes[definition.defaultSub] };
          return { kind: 'complex', definition };
        }
        const sub = lower(definition.subAttributes, path.subAttribute) as Scalar | undefined;
        if (!sub) throw invalidFilter(`Unknown attribute ${path.attribute}.${path.subAttribute}`);
        return { kind: 'scalar', column: sub };
      }
      return { kind: 'multi', source: definition.source, sub: path.subAttribute };
    }
    throw invalidFilter(`Unknown attribute ${path.schema ? `${path.schema}:` : ''}${path.attribute}`);
  }
  // An attribute of a schema extension the directory does not model: compared as text in the JSONB, with
  // the URN and the attribute name matched case-insensitively (RFC 7643 §2.1).
  const [urn, attribute] = [safeKey(path.schema!), safeKey(path.attribute)];
  const sub = path.subAttribute === null ? '' : ` -> '${safeKey(path.subAttribute)}'`;
  const lookup =
    `(select (a.value${sub}) #>> '{}' from jsonb_each(${catalog.extensionsColumn}) s, ` +
    `jsonb_each(case when jsonb_typeof(s.value) = 'object' then s.value else '{}'::jsonb end) a ` +
    `where lower(s.key) = lower('${urn}') and lower(a.key) = lower('${attribute}') limit 1)`;
  return { kind: 'scalar', column: { type: 'string', sql: lookup, caseExact: false } };
}

/**
 * A name that may appear as a SQL literal: the characters of URNs and attribute names, without quotes,
 * backslashes or `?` (the driver fills every `?` in the SQL text with a binding).
 */
function safeKey(key: string): string {
  if (!/^[A-Za-z0-9:._$\-()+,=@;!*%/#]+$/.test(key)) throw invalidFilter(`Invalid attribute name ${key}`);
  return key;
}

function compareScalar(column: Scalar, op: CompareOperator, value: FilterValue): SqlFragment {
  if (value === null) {
    if (op === 'eq') return { sql: `${column.sql} is null`, bindings: [] };
    if (op === 'ne') return { sql: `${column.sql} is not null`, bindings: [] };
    throw invalidFilter(`${op} cannot compare with null`);
  }
  switch (column.type) {
    case 'boolean': {
      const flag = typeof value === 'boolean' ? value : typeof value === 'string' && /^(true|false)$/i.test(value) ? value.toLowerCase() === 'true' : undefined;
      if (flag === undefined) throw invalidFilter('A boolean attribute compares with true or false');
      if (op === 'eq') return { sql: `${column.sql} = ?`, bindings: [flag] };
      if (op === 'ne') return { sql: `${column.sql} is distinct from ?`, bindings: [flag] };
      throw invalidFilter(`${op} does not apply to a boolean attribute`);
    }
    case 'dateTime': {
      const year = typeof value === 'string' ? new Date(value).getUTCFullYear() : NaN;
      if (typeof value !== 'string' || !(year >= 1 && year <= 9999)) throw invalidFilter('A dateTime attribute compares with an ISO 8601 date-time between the years 1 and 9999');
      const sqlOp = { eq: '=', ne: '<>', gt: '>', ge: '>=', lt: '<', le: '<=' }[op as 'eq'];
      if (!sqlOp) throw invalidFilter(`${op} does not apply to a dateTime attribute`);
      return { sql: `${column.sql} ${sqlOp} ?::timestamptz`, bindings: [new Date(value).toISOString()] };
    }
    case 'uuid': {
      const text = String(value);
      if (op === 'eq') return isUuid(text) ? { sql: `${column.sql} = ?::uuid`, bindings: [text] } : { sql: 'false', bindings: [] };
      if (op === 'ne') return isUuid(text) ? { sql: `${column.sql} <> ?::uuid`, bindings: [text] } : { sql: 'true', bindings: [] };
      return compareText(`${column.sql}::text`, true, op, text);
    }
    case 'string':
      if (typeof value === 'object') throw invalidFilter('Unsupported value');
      return compareText(column.sql, column.caseExact, op, String(value));
  }
}

function compareText(sql: string, caseExact: boolean, op: CompareOperator, value: string): SqlFragment {
  const expr = caseExact ? sql : `lower(${sql})`;
  const bound = caseExact ? '?' : 'lower(?)';
  switch (op) {
    case 'eq':
      return { sql: `${expr} = ${bound}`, bindings: [value] };
    case 'ne':
      return { sql: `(${sql} is null or ${expr} <> ${bound})`, bindings: [value] };
    case 'co':
      return { sql: `${expr} like ${bound} escape '\\'`, bindings: [`%${escapeLike(value)}%`] };
    case 'sw':
      return { sql: `${expr} like ${bound} escape '\\'`, bindings: [`${escapeLike(value)}%`] };
    case 'ew':
      return { sql: `${expr} like ${bound} escape '\\'`, bindings: [`%${escapeLike(value)}`] };
    case 'gt':
    case 'ge':
    case 'lt':
    case 'le': {
      const sqlOp = { gt: '>', ge: '>=', lt: '<', le: '<=' }[op];
      return { sql: `${expr} ${sqlOp} ${bound}`, bindings: [value] };
    }
  }
}

function present(column: Scalar): SqlFragment {
  return column.type === 'string' ? { sql: `(${column.sql} is not null and ${column.sql} <> '')`, bindings: [] } : { sql: `${column.sql} is not null`, bindings: [] };
}

const join = (parts: SqlFragment[], glue: string): SqlFragment => ({
  sql: parts.map((p) => `(${p.sql})`).join(glue),
  bindings: parts.flatMap((p) => p.bindings),
});

/** Compiles a filter to a SQL condition over the catalog's expressions. */
export function filterToSql(filter: AttributeFilter, catalog: AttributeCatalog): SqlFragment {
  switch (filter.kind) {
    case 'and':
      return join([filterToSql(filter.left, catalog), filterToSql(filter.right, catalog)], ' and ');
    case 'or':
      return join([filterToSql(filter.left, catalog), filterToSql(filter.right, catalog)], ' or ');
    case 'not': {
      const inner = filterToSql(filter.filter, catalog);
      // NOT over a NULL comparison would be NULL (no match); SCIM means "does not match".
      return { sql: `not coalesce((${inner.sql}), false)`, bindings: inner.bindings };
    }
    case 'valuePath': {
      const target = resolve(catalog, filter.path);
      if (target.kind !== 'multi') throw invalidFilter(`${filter.path.attribute} is not multi-valued`);
      const inner = elementFilterToSql(filter.filter, target.source);
      return exists(target.source, inner);
    }
    case 'present': {
      const target = resolve(catalog, filter.path);
      if (target.kind === 'scalar') return present(target.column);
      if (target.kind === 'complex') return join(Object.values(target.definition.subAttributes).map(present), ' or ');
      if (target.sub === null) return exists(target.source, { sql: 'true', bindings: [] });
      return exists(target.source, present(subOf(target.source, target.sub)));
    }
    case 'compare': {
      const target = resolve(catalog, filter.path);
      if (target.kind === 'scalar') return compareScalar(target.column, filter.op, filter.value);
      if (target.kind === 'complex') throw invalidFilter(`Name a sub-attribute of ${filter.path.attribute}`);
      const sub = subOf(target.source, target.sub ?? target.source.defaultSub);
      return exists(target.source, compareScalar(sub, filter.op, filter.value));
    }
  }
}

function subOf(source: ElementSource, name: string): Scalar {
  const sub = lower(source.subAttributes, name) as Scalar | undefined;
  if (!sub) throw invalidFilter(`Unknown sub-attribute ${name}`);
  return sub;
}

function exists(source: ElementSource, condition: SqlFragment): SqlFragment {
  return { sql: `exists (select 1 from ${source.from} where ${source.where} and (${condition.sql}))`, bindings: condition.bindings };
}

/** The filter inside `attr[…]`: its attribute names are sub-attributes of one element. */
function elementFilterToSql(filter: AttributeFilter, source: ElementSource): SqlFragment {
  switch (filter.kind) {
    case 'and':
    case 'or':
      return join([elementFilterToSql(filter.left, source), elementFilterToSql(filter.right, source)], ` ${filter.kind} `);
    case 'not': {
      const inner = elementFilterToSql(filter.filter, source);
      return { sql: `not coalesce((${inner.sql}), false)`, bindings: inner.bindings };
    }
    case 'present':
      return present(subOf(source, filter.path.attribute));
    case 'compare':
      return compareScalar(subOf(source, filter.path.attribute), filter.op, filter.value);
    case 'valuePath':
      throw invalidFilter('Value filters cannot be nested');
  }
}

/** The SQL expression to sort by: a single value, or the primary (else first) element of a multi-valued one. */
export function sortExpression(path: AttributePath, catalog: AttributeCatalog): string {
  const target = resolve(catalog, path);
  if (target.kind === 'scalar') return target.column.type === 'string' && !target.column.caseExact ? `lower(${target.column.sql})` : target.column.sql;
  if (target.kind === 'complex') throw new DomainError('BAD_USER_INPUT', `Sort by a sub-attribute of ${path.attribute}`, { scimType: 'invalidValue' });
  const sub = subOf(target.source, target.sub ?? target.source.defaultSub);
  const order = target.source.primaryOrder ? ` order by ${target.source.primaryOrder}` : '';
  return `(select ${sub.sql} from ${target.source.from} where ${target.source.where}${order} limit 1)`;
}
