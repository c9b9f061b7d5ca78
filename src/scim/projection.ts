import { parseAttributePath, parsePatchPath } from './filter/parse-filter';
import { invalidValue } from './scim-error';
import { cloneJson, keyOf, isObject, type JsonObject } from './values';
import type { AttributePath } from '../domain/directory/attribute-filter';

/** `attributes` / `excludedAttributes` (RFC 7644 §3.4.2.5), parsed once per request. */
export interface Projection {
  include: AttributePath[] | null;
  exclude: AttributePath[];
}

const ALWAYS = new Set(['id', 'schemas']);

/** The comma-separated parts of a list, leaving commas inside brackets or quotes alone. */
function splitList(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i];
    if (quoted) {
      if (c === '\\') i += 1;
      else if (c === '"') quoted = false;
    } else if (c === '"') quoted = true;
    else if (c === '[') depth += 1;
    else if (c === ']') depth -= 1;
    else if (c === ',' && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts.map((part) => part.trim());
}

/**
 * One listed attribute. Microsoft's SCIM reference collection sends a value filter here
 * (`emails[type eq "work"]`), which RFC 7644 does not define for `attributes`; like Microsoft's reference
 * server, it names the attribute (`emails`, or `emails.value` for `emails[…].value`): the filter must be
 * well formed, and the whole attribute is returned, its values not filtered.
 */
function parseListedAttribute(part: string): AttributePath {
  return part.includes('[') ? parsePatchPath(part).path : parseAttributePath(part);
}

/** More than every attribute a resource has: each one costs a lookup in every resource of a page. */
export const MAX_PROJECTED_ATTRIBUTES = 100;

function parseList(text: string | undefined): AttributePath[] | null {
  if (text === undefined || text.trim() === '') return null;
  const parts = splitList(text);
  if (parts.length > MAX_PROJECTED_ATTRIBUTES) throw invalidValue(`attributes and excludedAttributes may name at most ${MAX_PROJECTED_ATTRIBUTES} attributes`);
  return parts.map((part) => {
    try {
      return parseListedAttribute(part);
    } catch {
      throw invalidValue(`Invalid attribute "${part}" in attributes/excludedAttributes`);
    }
  });
}

export function parseProjection(attributes: string | undefined, excluded: string | undefined): Projection {
  return { include: parseList(attributes), exclude: parseList(excluded) ?? [] };
}

const names = (path: AttributePath, attribute: string) => path.attribute.toLowerCase() === attribute.toLowerCase();

/** Whether the projection asks for an attribute that is only returned on request (or is costly to load). */
export function wants(projection: Projection, attribute: string, returnedByDefault: boolean): boolean {
  if (projection.exclude.some((p) => names(p, attribute) && p.subAttribute === null)) return false;
  if (projection.include) return projection.include.some((p) => names(p, attribute));
  return returnedByDefault;
}

/** Applies the projection to a resource; `coreSchema` attributes live at the top, extensions under their URN. */
export function project(resource: JsonObject, projection: Projection, coreSchema: string): JsonObject {
  if (!projection.include && projection.exclude.length === 0) return resource;
  const containerOf = (doc: JsonObject, path: AttributePath): JsonObject | undefined => {
    if (path.schema === null || path.schema.toLowerCase() === coreSchema.toLowerCase()) return doc;
    const key = keyOf(doc, path.schema);
    const value = key === undefined ? undefined : doc[key];
    return isObject(value) ? value : undefined;
  };
  let out: JsonObject;
  if (projection.include) {
    out = {};
    for (const key of Object.keys(resource)) if (ALWAYS.has(key) || key === 'meta') out[key] = resource[key];
    for (const path of projection.include) {
      const source = containerOf(resource, path);
      if (!source) continue;
      const key = keyOf(source, path.attribute);
      if (key === undefined) continue;
      let target = out;
      if (source !== resource) {
        const urn = keyOf(resource, path.schema!)!;
        target = (isObject(out[urn]) ? out[urn] : (out[urn] = {})) as JsonObject;
      }
      const value = source[key];
      if (path.subAttribute && Array.isArray(value)) {
        // emails.value: each element narrowed to the named sub-attribute.
        const subName = path.subAttribute;
        target[key] = value.map((element) => {
          if (!isObject(element)) return element;
          const sub = keyOf(element, subName);
          return sub === undefined ? {} : { [sub]: element[sub] };
        });
      } else if (path.subAttribute && isObject(value)) {
        const sub = keyOf(value, path.subAttribute);
        if (sub !== undefined) target[key] = { ...(isObject(target[key]) ? (target[key] as JsonObject) : {}), [sub]: value[sub] };
      } else {
        target[key] = value;
      }
    }
  } else {
    out = cloneJson(resource);
  }
  for (const path of projection.exclude) {
    if (path.schema === null && ALWAYS.has(path.attribute)) continue;
    const container = containerOf(out, path);
    if (!container) continue;
    const key = keyOf(container, path.attribute);
    if (key === undefined) continue;
    const value = container[key];
    if (path.subAttribute && Array.isArray(value)) {
      for (const element of value) {
        if (!isObject(element)) continue;
        const sub = keyOf(element, path.subAttribute);
        if (sub !== undefined) delete element[sub];
      }
    } else if (path.subAttribute && isObject(value)) {
      const sub = keyOf(value, path.subAttribute);
      if (sub !== undefined) delete value[sub];
    } else {
      delete container[key];
    }
  }
  return out;
}
