import { invalidValue } from './scim-error';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export const isObject = (value: unknown): value is JsonObject =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/** Finds a member by name, case-insensitively (SCIM attribute names are case-insensitive). */
export function keyOf(object: JsonObject, name: string): string | undefined {
  if (name in object) return name;
  const lower = name.toLowerCase();
  return Object.keys(object).find((key) => key.toLowerCase() === lower);
}

export function member(object: JsonObject, name: string): Json | undefined {
  const key = keyOf(object, name);
  return key === undefined ? undefined : object[key];
}

/** A boolean as SCIM clients send it: true/false, or Entra's "True"/"False" strings. */
export function toBoolean(value: Json | undefined, field: string): boolean | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string' && /^(true|false)$/i.test(value.trim())) return value.trim().toLowerCase() === 'true';
  throw invalidValue(`${field} must be true or false`);
}

/** A string attribute; an empty string clears it (Entra's way of removing a value). */
export function toText(value: Json | undefined, field: string): string | null | undefined {
  if (value === undefined) return undefined;
  if (value === null || value === '') return null;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw invalidValue(`${field} must be a string`);
}

/**
 * A deep copy of a JSON value, as `structuredClone` makes it at a fifth of its cost (a PATCH copies the user's
 * whole document before applying its operations). A member named `__proto__` stays a member of the copy.
 */
export function cloneJson<T extends Json>(value: T): T {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(cloneJson) as T;
  const copy: JsonObject = {};
  for (const key in value) {
    if (!Object.prototype.hasOwnProperty.call(value, key)) continue;
    if (key === '__proto__') Object.defineProperty(copy, key, { value: cloneJson(value[key]), enumerable: true, writable: true, configurable: true });
    else copy[key] = cloneJson(value[key]);
  }
  return copy as T;
}

/** Drops members whose value is null or undefined, and empty arrays and objects, for compact output. */
export function compact<T extends Record<string, unknown>>(object: T): Partial<T> {
  // A for-in loop, not Object.entries: this runs several times for every user of every response, and the pairs
  // Object.entries allocates were a tenth of Portico's CPU for a page of 100 users.
  const out: Record<string, unknown> = {};
  for (const key in object) {
    if (!Object.prototype.hasOwnProperty.call(object, key)) continue;
    const value = object[key];
    if (value === null || value === undefined) continue;
    if (typeof value === 'object' && (Array.isArray(value) ? value.length === 0 : hasNoKeys(value))) continue;
    out[key] = value;
  }
  return out as Partial<T>;
}

function hasNoKeys(object: object): boolean {
  for (const key in object) if (Object.prototype.hasOwnProperty.call(object, key)) return false;
  return true;
}
