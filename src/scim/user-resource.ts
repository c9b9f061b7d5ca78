import { CORE_USER_SCHEMA, ENTERPRISE_USER_SCHEMA } from '../domain/directory/attribute-filter';
import type { Address, ExtensionAttributes, MultiValue, User } from '../domain/users/user.entity';
import type { UserAttributes } from '../domain/users/user-rules';
import { invalidSyntax, invalidValue } from './scim-error';
import { weakEtag } from './scim-http';
import { compact, isObject, keyOf, member, toBoolean, toText, type Json, type JsonObject } from './values';

/** Core attributes with a column of their own; any other core attribute is kept in `extensions`. */
const CORE_TEXT = ['externalId', 'displayName', 'nickName', 'title', 'userType', 'preferredLanguage', 'locale', 'timezone'] as const;
const ENTERPRISE_TEXT = ['employeeNumber', 'costCenter', 'organization', 'division', 'department'] as const;
const NAME_PARTS = { formatted: 'formattedName', givenName: 'givenName', familyName: 'familyName', middleName: 'middleName', honorificPrefix: 'honorificPrefix', honorificSuffix: 'honorificSuffix' } as const;
const MULTI = { emails: 'emails', phoneNumbers: 'phoneNumbers', photos: 'photos' } as const;
const ADDRESS_PARTS = ['formatted', 'streetAddress', 'locality', 'region', 'postalCode', 'country', 'type'] as const;

/** Attributes a client may send but that are never stored: server-assigned, read-only, or write-only. */
const IGNORED = new Set(['schemas', 'id', 'meta', 'groups', 'password']);
const MODELED_CORE = new Set(['username', 'active', 'name', 'addresses', ...CORE_TEXT.map((a) => a.toLowerCase()), ...Object.keys(MULTI).map((a) => a.toLowerCase())]);

export const CORE_ATTRIBUTE_NAMES = ['userName', 'active', 'name', 'addresses', ...CORE_TEXT, ...Object.keys(MULTI)];
export const ENTERPRISE_ATTRIBUTE_NAMES = [...ENTERPRISE_TEXT, 'manager'];

function toMultiValues(value: Json | undefined, field: string): MultiValue[] | undefined {
  if (value === undefined) return undefined;
  if (value === null || value === '') return [];
  const list = Array.isArray(value) ? value : [value];
  return list.map((item, i) => {
    if (!isObject(item)) throw invalidValue(`${field}[${i}] must be an object`);
    const text = toText(member(item, 'value'), `${field}[${i}].value`);
    if (!text) throw invalidValue(`${field}[${i}].value is required`);
    return compact({
      value: text,
      type: toText(member(item, 'type'), `${field}[${i}].type`) ?? undefined,
      primary: toBoolean(member(item, 'primary'), `${field}[${i}].primary`),
      display: toText(member(item, 'display'), `${field}[${i}].display`) ?? undefined,
    }) as MultiValue;
  });
}

function toAddresses(value: Json | undefined): Address[] | undefined {
  if (value === undefined) return undefined;
  if (value === null || value === '') return [];
  const list = Array.isArray(value) ? value : [value];
  return list.map((item, i) => {
    if (!isObject(item)) throw invalidValue(`addresses[${i}] must be an object`);
    const address: Record<string, unknown> = {};
    for (const part of ADDRESS_PARTS) address[part] = toText(member(item, part), `addresses[${i}].${part}`) ?? undefined;
    address.primary = toBoolean(member(item, 'primary'), `addresses[${i}].primary`);
    return compact(address) as Address;
  });
}

/** `manager` as Entra sends it: "id", { "value": "id" } or [{ "value": "id" }]; empty clears it. */
function toManagerId(value: Json | undefined): string | null | undefined {
  if (value === undefined) return undefined;
  const single = Array.isArray(value) ? (value[0] ?? null) : value;
  if (isObject(single)) return toText(member(single, 'value'), 'manager.value') ?? null;
  return toText(single, 'manager');
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
  const attributes: Record<string, unknown> = { userName };
  const active = toBoolean(member(doc, 'active'), 'active');
  attributes.active = active ?? true;
  for (const field of CORE_TEXT) attributes[field] = toText(member(doc, field), field) ?? null;
  const name = member(doc, 'name');
  if (name !== undefined && name !== null && !isObject(name)) throw invalidValue('name must be an object');
  for (const [part, field] of Object.entries(NAME_PARTS)) attributes[field] = (isObject(name) ? toText(member(name, part), `name.${part}`) : null) ?? null;
  for (const [field, key] of Object.entries(MULTI)) attributes[key] = toMultiValues(member(doc, field), field) ?? [];
  attributes.addresses = toAddresses(member(doc, 'addresses')) ?? [];

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
  for (const field of ENTERPRISE_TEXT) attributes[field] = (isObject(enterprise) ? toText(member(enterprise, field), field) : null) ?? null;
  attributes.managerId = (isObject(enterprise) ? toManagerId(member(enterprise, 'manager')) : null) ?? null;
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

/** The SCIM representation of a user (RFC 7643 §4.1 + the Enterprise extension + kept extensions). */
export function userToScim(user: User, ctx: ResourceContext, groups?: { id: string; display: string }[]): JsonObject {
  const extensions = { ...user.extensions };
  const coreExtras = (extensions[CORE_USER_SCHEMA] ?? {}) as JsonObject;
  delete extensions[CORE_USER_SCHEMA];
  const enterpriseExtras = (extensions[ENTERPRISE_USER_SCHEMA] ?? {}) as JsonObject;
  delete extensions[ENTERPRISE_USER_SCHEMA];

  const enterprise = compact({
    ...enterpriseExtras,
    employeeNumber: user.employeeNumber,
    costCenter: user.costCenter,
    organization: user.organization,
    division: user.division,
    department: user.department,
    manager: user.managerId ? { value: user.managerId, $ref: `${ctx.baseUrl}/Users/${user.managerId}` } : null,
  });
  const schemas = [CORE_USER_SCHEMA];
  if (Object.keys(enterprise).length > 0) schemas.push(ENTERPRISE_USER_SCHEMA);
  schemas.push(...Object.keys(extensions));

  const location = `${ctx.baseUrl}/Users/${user.id}`;
  return compact({
    schemas,
    ...coreExtras,
    id: user.id,
    externalId: user.externalId,
    userName: user.userName,
    name: compact({
      formatted: user.formattedName,
      familyName: user.familyName,
      givenName: user.givenName,
      middleName: user.middleName,
      honorificPrefix: user.honorificPrefix,
      honorificSuffix: user.honorificSuffix,
    }),
    displayName: user.displayName,
    nickName: user.nickName,
    title: user.title,
    userType: user.userType,
    preferredLanguage: user.preferredLanguage,
    locale: user.locale,
    timezone: user.timezone,
    active: user.active,
    emails: user.emails,
    phoneNumbers: user.phoneNumbers,
    addresses: user.addresses,
    photos: photosOf(user, ctx),
    groups: groups?.map((g) => ({ value: g.id, display: g.display, $ref: `${ctx.baseUrl}/Groups/${g.id}` })),
    [ENTERPRISE_USER_SCHEMA]: enterprise,
    ...extensions,
    meta: {
      resourceType: 'User',
      created: user.createdAt.toISOString(),
      lastModified: user.updatedAt.toISOString(),
      location,
      version: weakEtag(user.version),
    },
  }) as JsonObject;
}
