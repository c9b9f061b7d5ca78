import type { AttributeFilter } from '../../domain/directory/attribute-filter';
import { invalidPath, invalidValue, ScimError } from '../scim-error';
import { cloneJson, isObject, keyOf, type Json, type JsonObject } from '../values';
import type { PatchOperation } from './patch-operations';

/** Canonical spelling of attribute names (clients may use any case) and which are multi-valued. */
export interface DocumentShape {
  /** Canonical names by lower-case name, per container ('' = the resource's core attributes). */
  names: Record<string, string>;
  multiValued: Set<string>;
  /** The core schema URN: a path naming it addresses the top level. */
  coreSchema: string;
  /** Extension attributes a client may name without their URN, by lower-case name → schema URN. */
  unqualifiedExtensions: Record<string, string>;
  /** The most values a multi-valued attribute may hold, by lower-case name; others get `defaultMaxValues`. */
  maxValues: Record<string, number>;
  defaultMaxValues: number;
}

/**
 * Checked as each operation applies, not once the patch is done: the work of every operation is then
 * bounded by the caps, whatever the operations before it tried to build.
 */
function assertWithinCap(attribute: string, count: number, shape: DocumentShape): void {
  const cap = shape.maxValues[attribute.toLowerCase()] ?? shape.defaultMaxValues;
  if (count > cap) throw invalidValue(`${attribute} may hold at most ${cap} values`);
}

const isEmpty = (value: Json | undefined) => value === undefined || value === null || value === '';

/**
 * Applies canonical PATCH operations to a resource document in memory. The caller turns the result back
 * into domain attributes with the same mapper as PUT, so PATCH and PUT cannot disagree.
 */
export function applyPatch(document: JsonObject, operations: PatchOperation[], shape: DocumentShape): JsonObject {
  const doc = cloneJson(document);
  for (const operation of operations) applyOperation(doc, operation, shape);
  return doc;
}

function containerFor(doc: JsonObject, schema: string | null, shape: DocumentShape, create: boolean): JsonObject | undefined {
  if (schema === null || schema.toLowerCase() === shape.coreSchema.toLowerCase()) return doc;
  const key = keyOf(doc, schema) ?? schema;
  const existing = doc[key];
  if (isObject(existing)) return existing;
  if (!create) return undefined;
  const created: JsonObject = {};
  doc[key] = created;
  return created;
}

function applyOperation(doc: JsonObject, operation: PatchOperation, shape: DocumentShape): void {
  const { op, path, value } = operation;
  if (!path) throw invalidPath('A path is required');
  if (op === 'remove' && path.path.attribute === '$all' && path.path.schema) {
    // Removing a whole extension.
    const key = keyOf(doc, path.path.schema);
    if (key !== undefined) delete doc[key];
    return;
  }
  const schema = path.path.schema ?? shape.unqualifiedExtensions[path.path.attribute.toLowerCase()] ?? null;
  const container = containerFor(doc, schema, shape, op !== 'remove');
  if (!container) return; // removing from an extension the resource does not have: nothing to do
  const attribute = keyOf(container, path.path.attribute) ?? shape.names[path.path.attribute.toLowerCase()] ?? path.path.attribute;
  const multi = shape.multiValued.has(attribute.toLowerCase()) || Array.isArray(container[attribute]);
  const sub = path.path.subAttribute;

  if (path.valueFilter) {
    if (!multi) throw invalidPath(`${attribute} is not multi-valued`);
    applyToMatches(container, attribute, path.valueFilter, sub, op, value, shape);
    return;
  }
  if (sub !== null) {
    if (multi) {
      const list = Array.isArray(container[attribute]) ? (container[attribute] as Json[]) : [];
      for (const element of list) if (isObject(element)) setMember(element, sub, op === 'remove' ? undefined : value);
      return;
    }
    const current = container[attribute];
    const target = isObject(current) ? current : {};
    setMember(target, sub, op === 'remove' ? undefined : value);
    if (Object.keys(target).length > 0) container[attribute] = target;
    else delete container[attribute];
    return;
  }

  if (op === 'remove') {
    if (multi && Array.isArray(value) && Array.isArray(container[attribute])) {
      const drop = new Set(value.map((v) => (isObject(v) ? v.value : v)).filter((v) => typeof v === 'string'));
      container[attribute] = (container[attribute] as Json[]).filter((el) => !(isObject(el) && drop.has(el.value as string)));
      return;
    }
    delete container[attribute];
    return;
  }
  if (isEmpty(value)) {
    delete container[attribute];
    return;
  }
  if (multi) {
    const values = Array.isArray(value) ? value : [value as Json];
    assertWithinCap(attribute, values.length, shape);
    if (op === 'replace') {
      container[attribute] = values;
      return;
    }
    const current = Array.isArray(container[attribute]) ? (container[attribute] as Json[]) : [];
    const known = new Set(current.map((el) => (isObject(el) ? JSON.stringify(el.value ?? el) : JSON.stringify(el))));
    const added = [...current, ...values.filter((v) => !known.has(isObject(v) ? JSON.stringify(v.value ?? v) : JSON.stringify(v)))];
    assertWithinCap(attribute, added.length, shape);
    container[attribute] = added;
    return;
  }
  const current = container[attribute];
  // A complex attribute given an object: the sub-attributes sent replace theirs, the others stay.
  container[attribute] = isObject(current) && isObject(value) ? mergeObjects(current, value) : (value as Json);
}

/** More members than any complex attribute has sub-attributes: refused before the case-insensitive merge. */
const MAX_SUB_ATTRIBUTES = 50;

function mergeObjects(current: JsonObject, update: JsonObject): JsonObject {
  if (Object.keys(update).length > MAX_SUB_ATTRIBUTES) throw invalidValue(`A complex value may have at most ${MAX_SUB_ATTRIBUTES} sub-attributes`);
  const merged: JsonObject = { ...current };
  for (const [key, value] of Object.entries(update)) setMember(merged, key, value);
  return merged;
}

/** Sets (or, for undefined/null/"", removes) a member, matching its name case-insensitively. */
function setMember(object: JsonObject, name: string, value: Json | undefined): void {
  const key = keyOf(object, name) ?? name;
  if (isEmpty(value)) delete object[key];
  else object[key] = value as Json;
}

/**
 * `emails[type eq "work"].value`: changes the matching elements; when none matches an add or replace
 * creates the element the filter describes (Entra's way of setting a work e-mail on a user with none).
 */
function applyToMatches(container: JsonObject, attribute: string, filter: AttributeFilter, sub: string | null, op: PatchOperation['op'], value: Json | undefined, shape: DocumentShape): void {
  const list = Array.isArray(container[attribute]) ? [...(container[attribute] as Json[])] : [];
  const matches = new Set(list.filter((el) => isObject(el) && matchesElement(el, filter)));
  if (op === 'remove') {
    const result = sub === null ? list.filter((el) => !matches.has(el)) : list.map((el) => (matches.has(el) ? without(el as JsonObject, sub) : el));
    container[attribute] = result.filter((el) => !isObject(el) || Object.keys(el).length > 0);
    return;
  }
  if (matches.size === 0) {
    if (isEmpty(value)) return;
    assertWithinCap(attribute, list.length + 1, shape);
    const created: JsonObject = { ...equalitiesOf(filter) };
    if (sub !== null) setMember(created, sub, value);
    else if (isObject(value)) Object.assign(created, value);
    else throw invalidValue(`The value for ${attribute}[…] must be an object`);
    container[attribute] = [...list, created];
    return;
  }
  const hadValue = new Set([...matches].filter((el) => 'value' in (el as JsonObject)));
  for (const element of matches as Set<JsonObject>) {
    if (sub !== null) setMember(element, sub, value);
    else if (isObject(value)) Object.assign(element, value);
    else throw invalidValue(`The value for ${attribute}[…] must be an object`);
  }
  // An element whose value was cleared (Entra sends "") is gone.
  container[attribute] = list.filter((el) => !(hadValue.has(el) && isEmpty((el as JsonObject).value)));
}

function without(element: JsonObject, sub: string): JsonObject {
  const copy = { ...element };
  delete copy[keyOf(copy, sub) ?? sub];
  return 'value' in element && !('value' in copy) ? {} : copy;
}

/** `type eq "work" and primary eq true` → { type: "work", primary: true }: what a new element starts with. */
function equalitiesOf(filter: AttributeFilter): JsonObject {
  if (filter.kind === 'and') return { ...equalitiesOf(filter.left), ...equalitiesOf(filter.right) };
  if (filter.kind === 'compare' && filter.op === 'eq' && filter.value !== null) return { [filter.path.attribute]: filter.value };
  return {};
}

/** Evaluates a value filter against one element of a multi-valued attribute (one resource, in memory). */
function matchesElement(element: JsonObject, filter: AttributeFilter): boolean {
  switch (filter.kind) {
    case 'and':
      return matchesElement(element, filter.left) && matchesElement(element, filter.right);
    case 'or':
      return matchesElement(element, filter.left) || matchesElement(element, filter.right);
    case 'not':
      return !matchesElement(element, filter.filter);
    case 'present': {
      const v = element[keyOf(element, filter.path.attribute) ?? ''];
      return !isEmpty(v);
    }
    case 'compare': {
      const actual = element[keyOf(element, filter.path.attribute) ?? ''];
      return compare(actual, filter.op, filter.value);
    }
    case 'valuePath':
      throw new ScimError(400, 'Value filters cannot be nested', 'invalidFilter');
  }
}

function compare(actual: Json | undefined, op: string, expected: string | number | boolean | null): boolean {
  if (expected === null) return op === 'eq' ? isEmpty(actual) : op === 'ne' ? !isEmpty(actual) : false;
  if (typeof expected === 'boolean') {
    const flag = typeof actual === 'string' ? actual.toLowerCase() === 'true' : actual === true;
    return op === 'eq' ? flag === expected : op === 'ne' ? flag !== expected : false;
  }
  if (actual === undefined || actual === null) return op === 'ne';
  const a = String(actual).toLowerCase();
  const e = String(expected).toLowerCase();
  switch (op) {
    case 'eq':
      return a === e;
    case 'ne':
      return a !== e;
    case 'co':
      return a.includes(e);
    case 'sw':
      return a.startsWith(e);
    case 'ew':
      return a.endsWith(e);
    case 'gt':
      return a > e;
    case 'ge':
      return a >= e;
    case 'lt':
      return a < e;
    case 'le':
      return a <= e;
    default:
      return false;
  }
}
