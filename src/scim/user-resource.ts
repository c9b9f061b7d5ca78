import { CORE_USER_SCHEMA, ENTERPRISE_USER_SCHEMA } from '../domain/directory/attribute-filter';
import { USER_ATTRIBUTES, type ElementPart, type ScimPlacement, type UserAttributeDescriptor } from '../domain/users/user-attributes';
import type { ExtensionAttributes, User } from '../domain/users/user.entity';
import type { UserAttributes } from '../domain/users/user-rules';
import { invalidSyntax, invalidValue } from './scim-error';
import { weakEtag } from './scim-http';
import { compact, isObject, keyOf, member, toBoolean, toText, type Json, type JsonObject } from './values';

type Placed = UserAttributeDescriptor & { scim: ScimPlacement };

/** The modeled attributes SCIM shows, in the domain table's order. */
const PLACED = (USER_ATTRIBUTES as readonly UserAttributeDescriptor[]).filter((a): a is Placed => a.scim !== null);
const BY_SCHEMA: Record<ScimPlacement['schema'], Placed[]> = {
  core: PLACED.filter((a) => a.scim.schema === 'core'),
  enterprise: PLACED.filter((a) => a.scim.schema === 'enterprise'),
};
const inSchema = (schema: ScimPlacement['schema']) => BY_SCHEMA[schema];
const topLevelNames = (attributes: Placed[]) => [...new Set(attributes.map((a) => a.scim.attribute))];

/** Attributes a client may send but that are never stored: server-assigned, read-only, or write-only. */
const IGNORED = new Set(['schemas', 'id', 'meta', 'groups', 'password']);

/** Core attributes with a column of their own; any other core attribute is kept in `extensions`. */
export const CORE_ATTRIBUTE_NAMES = topLevelNames(inSchema('core'));
export const ENTERPRISE_ATTRIBUTE_NAMES = topLevelNames(inSchema('enterprise'));
/** The modeled multi-valued attributes (their elements parsed part by part). */
export const MULTI_VALUED_ATTRIBUTE_NAMES = PLACED.filter((a) => a.kind === 'multiValued').map((a) => a.scim.attribute);
const MODELED_CORE = new Set(CORE_ATTRIBUTE_NAMES.map((a) => a.toLowerCase()));

/** A multi-valued attribute's elements, each part converted by its type; a required part must be there. */
function toElements(value: Json | undefined, field: string, parts: readonly ElementPart[]): Record<string, unknown>[] | undefined {
  if (value === undefined) return undefined;
  if (value === null || value === '') return [];
  const list = Array.isArray(value) ? value : [value];
  return list.map((item, i) => {
    if (!isObject(item)) throw invalidValue(`${field}[${i}] must be an object`);
    const element: Record<string, unknown> = {};
    for (const part of parts) {
      const label = `${field}[${i}].${part.name}`;
      element[part.name] = part.type === 'boolean' ? toBoolean(member(item, part.name), label) : (toText(member(item, part.name), label) ?? undefined);
      if (part.required && !element[part.name]) throw invalidValue(`${label} is required`);
    }
    return compact(element);
  });
}

/** A reference as Entra sends it (`manager`): "id", { "value": "id" } or [{ "value": "id" }]; empty clears it. */
function toReference(value: Json | undefined, field: string): string | null | undefined {
  if (value === undefined) return undefined;
  const single = Array.isArray(value) ? (value[0] ?? null) : value;
  if (isObject(single)) return toText(member(single, 'value'), `${field}.value`) ?? null;
  return toText(single, field);
}

/** One modeled attribute's value in a SCIM document (core or the Enterprise object), or null when absent. */
function readAttribute(container: JsonObject | null, attribute: Placed): unknown {
  const { scim } = attribute;
  const raw = container ? member(container, scim.attribute) : undefined;
  if (attribute.kind === 'multiValued') return toElements(raw, scim.attribute, attribute.parts ?? []) ?? [];
  if (scim.sub === 'value' && scim.referenceTypes) return toReference(raw, scim.attribute) ?? null;
  if (scim.sub !== undefined) {
    if (raw !== undefined && raw !== null && !isObject(raw)) throw invalidValue(`${scim.attribute} must be an object`);
    return (isObject(raw) ? toText(member(raw, scim.sub), `${scim.attribute}.${scim.sub}`) : null) ?? null;
  }
  if (attribute.kind === 'boolean') return toBoolean(raw, scim.attribute) ?? attribute.initial?.();
  return toText(raw, scim.attribute) ?? null;
}

/**
 * A SCIM User document (POST, PUT, or the result of a PATCH) as the domain's user attributes. Everything
 * the domain models is mapped; other attributes, core or of any extension, are kept as sent.
 */
export function scimToUserAttributes(body: Json): UserAttributes {
  if (!isObject(body)) throw invalidSyntax('The body must be a JSON object');
  let doc: JsonObject = body;
  const userName = toText(member(doc, 'userName'), 'userName');
  if (!userName) throw invalidValue('userName is required');
  const attributes: Record<string, unknown> = {};
  for (const attribute of inSchema('core')) attributes[attribute.name] = readAttribute(doc, attribute);
  attributes.userName = userName;

  const extensions: ExtensionAttributes = {};
  let enterpriseKey = keyOf(doc, ENTERPRISE_USER_SCHEMA);
  let enterprise = enterpriseKey ? doc[enterpriseKey] : undefined;
  // Enterprise attributes named without their URN ("department", "manager") are still enterprise attributes.
  const unqualified = Object.keys(doc).filter((key) => ENTERPRISE_ATTRIBUTE_NAMES.some((name) => name.toLowerCase() === key.toLowerCase()));
  if (unqualified.length > 0 && (enterprise === undefined || isObject(enterprise))) {
    const merged: JsonObject = { ...(isObject(enterprise) ? enterprise : {}) };
    for (const key of unqualified) merged[keyOf(merged, key) ?? key] = doc[key];
    doc = { ...doc, [ENTERPRISE_USER_SCHEMA]: merged };
    for (const key of unqualified) delete doc[key];
    enterpriseKey = ENTERPRISE_USER_SCHEMA;
    enterprise = merged;
  }
  if (enterprise !== undefined && enterprise !== null && !isObject(enterprise)) throw invalidValue(`${ENTERPRISE_USER_SCHEMA} must be an object`);
  for (const attribute of inSchema('enterprise')) attributes[attribute.name] = readAttribute(isObject(enterprise) ? enterprise : null, attribute);
  if (isObject(enterprise)) {
    const others = Object.fromEntries(
      Object.entries(enterprise).filter(([k]) => !ENTERPRISE_ATTRIBUTE_NAMES.some((a) => a.toLowerCase() === k.toLowerCase())),
    );
    if (Object.keys(others).length > 0) extensions[ENTERPRISE_USER_SCHEMA] = others;
  }

  for (const [key, value] of Object.entries(doc)) {
    const lower = key.toLowerCase();
    if (IGNORED.has(lower) || MODELED_CORE.has(lower) || key === enterpriseKey) continue;
    if (lower.startsWith('urn:')) {
      if (lower === CORE_USER_SCHEMA.toLowerCase() && isObject(value)) {
        // A client that names the core schema explicitly: its attributes are core attributes.
        Object.assign(attributes, scimToUserAttributes({ ...value, userName: member(value, 'userName') ?? userName }));
        continue;
      }
      if (value === null) continue;
      if (!isObject(value)) throw invalidValue(`${key} must be an object of extension attributes`);
      extensions[key] = value;
      continue;
    }
    // A core attribute the directory has no column for (roles, entitlements, profileUrl…): kept.
    if (value !== null) (extensions[CORE_USER_SCHEMA] ??= {})[key] = value;
  }
  attributes.extensions = extensions;
  return attributes as UserAttributes;
}

export interface ResourceContext {
  /** `{PUBLIC_URL}/api/{tenant}/scim/v2` */
  baseUrl: string;
}

/**
 * The photos a client sent, and first (as the primary one) the photo Portico stores and serves, when it has
 * one: from Entra through Graph, or uploaded (SPEC §6).
 */
function photosOf(user: User, ctx: ResourceContext): User['photos'] {
  if (!user.photoEtag) return user.photos;
  const served = `${ctx.baseUrl.replace(/\/scim\/v2$/, '')}/users/${user.id}/photo`;
  const sent = user.photos.filter((p) => p.value !== served).map((p) => (p.primary ? { ...p, primary: false } : p));
  return [{ value: served, type: 'photo', primary: true }, ...sent];
}

/** A reference's SCIM form: its value and where the resource it names lives. */
function referenceOf(id: string, placement: ScimPlacement, ctx: ResourceContext) {
  return { value: id, $ref: `${ctx.baseUrl}/${placement.referenceTypes?.[0]}s/${id}` };
}

type Document = Record<string, unknown>;
/** Puts one modeled attribute of a user into a SCIM document. */
type Writer = (user: User, ctx: ResourceContext, document: Document) => void;

function writerOf(attribute: Placed): Writer {
  const { scim } = attribute;
  const property = attribute.name as keyof User;
  const { attribute: name, sub } = scim;
  if (sub === 'value' && scim.referenceTypes) {
    return (user, ctx, document) => {
      const id = user[property] as string | null;
      if (id || name in document) document[name] = id ? referenceOf(id, scim, ctx) : null;
    };
  }
  if (sub !== undefined) {
    return (user, _ctx, document) => {
      const value = user[property];
      if ((value !== null && value !== undefined) || name in document) ((document[name] ??= {}) as Document)[sub] = value;
    };
  }
  if (attribute.name === 'photos') return (user, ctx, document) => void (document[name] = photosOf(user, ctx));
  // An absent value is not written (the compaction after would drop it), unless it replaces a kept value of that name.
  return (user, _ctx, document) => {
    const value = user[property];
    if ((value !== null && value !== undefined) || name in document) document[name] = value;
  };
}

/** How each schema's modeled attributes are written, in the table's order, and its complex attributes (`name`), shown without their empty parts. */
const WRITERS = {
  core: { writers: inSchema('core').map(writerOf), complex: topLevelNames(inSchema('core').filter((a) => a.scim.sub !== undefined && !a.scim.referenceTypes)) },
  enterprise: { writers: inSchema('enterprise').map(writerOf), complex: topLevelNames(inSchema('enterprise').filter((a) => a.scim.sub !== undefined && !a.scim.referenceTypes)) },
};

/** Writes the modeled attributes of one schema into `document` as SCIM shows them (the caller compacts it). */
function writeAttributes(user: User, schema: ScimPlacement['schema'], ctx: ResourceContext, document: Document): Document {
  const { writers, complex } = WRITERS[schema];
  for (const write of writers) write(user, ctx, document);
  for (const name of complex) if (document[name] !== undefined) document[name] = compact(document[name] as JsonObject);
  return document;
}

/** The SCIM representation of a user (RFC 7643 §4.1 + the Enterprise extension + kept extensions). */
export function userToScim(user: User, ctx: ResourceContext, groups?: { id: string; display: string }[]): JsonObject {
  // The kept extensions but the core and enterprise ones, copied without `delete` (which would turn the copy into a
  // slow dictionary object for the rest of its life).
  const extensions: ExtensionAttributes = {};
  for (const key in user.extensions) if (key !== CORE_USER_SCHEMA && key !== ENTERPRISE_USER_SCHEMA && Object.prototype.hasOwnProperty.call(user.extensions, key)) extensions[key] = user.extensions[key];
  const coreExtras = (user.extensions[CORE_USER_SCHEMA] ?? {}) as JsonObject;
  const enterpriseExtras = (user.extensions[ENTERPRISE_USER_SCHEMA] ?? {}) as JsonObject;

  const enterprise = compact(writeAttributes(user, 'enterprise', ctx, { ...enterpriseExtras }));
  const schemas = [CORE_USER_SCHEMA];
  if (Object.keys(enterprise).length > 0) schemas.push(ENTERPRISE_USER_SCHEMA);
  // In one order however they were sent or stored (jsonb keeps keys shortest first): the same user at the same
  // version has one document, whether rendered from a write or from a read.
  schemas.push(...Object.keys(extensions).sort());

  // Built in place, in the order the representation lists its members: schemas, kept core attributes, id, the modeled ones.
  const document = writeAttributes(user, 'core', ctx, { schemas, ...coreExtras, id: user.id });
  document.groups = groups?.map((g) => ({ value: g.id, display: g.display, $ref: `${ctx.baseUrl}/Groups/${g.id}` }));
  document[ENTERPRISE_USER_SCHEMA] = enterprise;
  Object.assign(document, extensions);
  document.meta = {
    resourceType: 'User',
    created: user.createdAt.toISOString(),
    lastModified: user.updatedAt.toISOString(),
    location: `${ctx.baseUrl}/Users/${user.id}`,
    version: weakEtag(user.version),
  };
  return compact(document) as JsonObject;
}
