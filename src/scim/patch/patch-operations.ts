import type { AttributeFilter } from '../../domain/directory/attribute-filter';
import { CORE_GROUP_SCHEMA, CORE_USER_SCHEMA, ENTERPRISE_USER_SCHEMA } from '../../domain/directory/attribute-filter';
import { FilterSyntaxError, parsePatchPath, type PatchPath } from '../filter/parse-filter';
import { invalidPath, invalidSyntax, invalidValue, ScimError } from '../scim-error';
import { PATCH_OP_SCHEMA } from '../scim-http';
import { isObject, member, type Json } from '../values';

export type PatchOp = 'add' | 'replace' | 'remove';

/** One operation in canonical form: lower-case op, a parsed path (or none), the value as sent. */
export interface PatchOperation {
  op: PatchOp;
  path: PatchPath | null;
  value: Json | undefined;
}

/**
 * Entra sends one operation per changed attribute (about 30 at most) or one object holding them all, and
 * group members in a few operations with many values; 100 leaves room for every client we know of.
 */
export const MAX_OPERATIONS = 100;
/** The object form (`{"op":"Add","value":{…}}`) becomes one operation per key: bounded too. */
export const MAX_EXPANDED_OPERATIONS = 200;
const CONTAINER_SCHEMAS = [CORE_USER_SCHEMA.toLowerCase(), CORE_GROUP_SCHEMA.toLowerCase()];
const KNOWN_SCHEMAS = [...CONTAINER_SCHEMAS, ENTERPRISE_USER_SCHEMA.toLowerCase()];

function parsePath(text: string): PatchPath {
  try {
    return parsePatchPath(text);
  } catch (error) {
    if (error instanceof FilterSyntaxError) throw invalidPath(`Invalid path "${text}": ${error.message}`);
    throw error;
  }
}

/** A `urn:…:Resource` key whose object value holds attributes of that schema (not a path to one attribute). */
function isSchemaContainer(key: string, value: Json): boolean {
  if (!isObject(value) || !key.toLowerCase().startsWith('urn:')) return false;
  const last = key.slice(key.lastIndexOf(':') + 1);
  // A schema URN ends in its resource type (…:User, …:Group); an attribute path ends in an attribute name.
  return KNOWN_SCHEMAS.includes(key.toLowerCase()) || /^(User|Group)$/.test(last);
}

/**
 * The one normaliser in front of the strict PATCH core. It accepts RFC 7644 §3.5.2 and what Entra sends
 * with and without `aadOptscim062020`: ops in any case (`Add`, `Replace`, `Remove`), no `path` with an
 * object value whose keys are attributes or paths (`name.givenName`, full extension URNs), schema-URN
 * containers in a value, and unknown schema URIs in `schemas` beside PatchOp.
 */
export function normalisePatch(body: Json | undefined): PatchOperation[] {
  if (!isObject(body)) throw invalidSyntax('A PATCH body must be a JSON object');
  const schemas = member(body, 'schemas');
  if (!Array.isArray(schemas) || !schemas.some((s) => typeof s === 'string' && s.toLowerCase() === PATCH_OP_SCHEMA.toLowerCase())) {
    throw invalidSyntax(`schemas must include ${PATCH_OP_SCHEMA}`);
  }
  const operations = member(body, 'Operations');
  if (!Array.isArray(operations) || operations.length === 0) throw invalidSyntax('Operations must be a non-empty array');
  if (operations.length > MAX_OPERATIONS) throw tooMany(`At most ${MAX_OPERATIONS} operations per request`);
  const expanded: PatchOperation[] = [];
  operations.forEach((operation, index) => {
    for (const one of expand(operation, index)) {
      expanded.push(one);
      if (expanded.length > MAX_EXPANDED_OPERATIONS) throw tooMany(`At most ${MAX_EXPANDED_OPERATIONS} attributes may be changed per request`);
    }
  });
  return expanded;
}

const tooMany = (message: string) => new ScimError(400, message, 'tooMany');

function expand(operation: Json, index: number): PatchOperation[] {
  if (!isObject(operation)) throw invalidSyntax(`Operations[${index}] must be an object`);
  const rawOp = member(operation, 'op');
  const op = typeof rawOp === 'string' ? rawOp.trim().toLowerCase() : '';
  if (op !== 'add' && op !== 'replace' && op !== 'remove') throw invalidSyntax(`Operations[${index}].op must be add, replace or remove`);
  const rawPath = member(operation, 'path');
  const value = member(operation, 'value');
  if (rawPath !== undefined && rawPath !== null && rawPath !== '') {
    if (typeof rawPath !== 'string') throw invalidPath(`Operations[${index}].path must be a string`);
    // A path naming a schema itself (`urn:…:enterprise:2.0:User`) addresses all of that schema's attributes.
    if (KNOWN_SCHEMAS.includes(rawPath.trim().toLowerCase()) && !CONTAINER_SCHEMAS.includes(rawPath.trim().toLowerCase())) {
      if (op === 'remove') return [{ op, path: parsePath(`${rawPath.trim()}:$all`), value: undefined }];
      if (!isObject(value)) throw invalidValue(`Operations[${index}]: the value for ${rawPath} must be an object of its attributes`);
      return expandObject(op, value, rawPath.trim());
    }
    if (op !== 'remove' && value === undefined) throw invalidValue(`Operations[${index}] needs a value`);
    return [{ op, path: parsePath(rawPath), value }];
  }
  if (op === 'remove') throw invalidPath(`Operations[${index}]: remove needs a path`);
  if (!isObject(value)) throw invalidValue(`Operations[${index}]: without a path the value must be an object of attributes`);
  return expandObject(op, value);
}

/** `{ "name.givenName": "A", "urn:…:User:department": "B", "urn:…:User": { … } }` → one op per attribute. */
function expandObject(op: PatchOp, value: Record<string, Json>, schema?: string): PatchOperation[] {
  // Counted before any key is parsed: a value of 50,000 keys is refused without 50,000 path parses.
  if (Object.keys(value).length > MAX_EXPANDED_OPERATIONS) throw tooMany(`At most ${MAX_EXPANDED_OPERATIONS} attributes may be changed per request`);
  const out: PatchOperation[] = [];
  for (const [key, inner] of Object.entries(value)) {
    if (schema === undefined && isSchemaContainer(key, inner)) {
      const isCore = CONTAINER_SCHEMAS.includes(key.toLowerCase());
      out.push(...expandObject(op, inner as Record<string, Json>, isCore ? undefined : key));
      continue;
    }
    if (key.toLowerCase() === 'schemas' && schema === undefined) continue;
    out.push({ op, path: parsePath(schema ? `${schema}:${key}` : key), value: inner });
  }
  return out;
}

/** `members[value eq "a" or value eq "b"]` → ["a", "b"]; anything else in such a filter is unsupported. */
export function valuesSelectedBy(filter: AttributeFilter): string[] {
  if (filter.kind === 'or') return [...valuesSelectedBy(filter.left), ...valuesSelectedBy(filter.right)];
  if (filter.kind === 'compare' && filter.op === 'eq' && filter.path.attribute.toLowerCase() === 'value' && typeof filter.value === 'string') {
    return [filter.value];
  }
  throw invalidPath('Select members by value: members[value eq "id"]');
}
