import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CORE_USER_SCHEMA, ENTERPRISE_USER_SCHEMA } from '../../src/domain/directory/attribute-filter';
import { USER_ATTRIBUTES, type ScimPlacement, type UserAttributeDescriptor } from '../../src/domain/users/user-attributes';
import type { User } from '../../src/domain/users/user.entity';
import { userToScim, type ResourceContext } from '../../src/scim/user-resource';

/**
 * The SCIM form of a user as it was built before its shortcuts (every attribute written, absent ones too, then
 * the whole document compacted): the oracle the faster `userToScim` must match byte for byte, member order included.
 */
type Placed = UserAttributeDescriptor & { scim: ScimPlacement };
type Document = Record<string, unknown>;
const PLACED = (USER_ATTRIBUTES as readonly UserAttributeDescriptor[]).filter((a): a is Placed => a.scim !== null);

function oldCompact(object: Document): Document {
  const out: Document = {};
  for (const [key, value] of Object.entries(object)) {
    if (value === null || value === undefined) continue;
    if (Array.isArray(value) && value.length === 0) continue;
    if (value !== null && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length === 0) continue;
    out[key] = value;
  }
  return out;
}

function oldWriteAttributes(user: User, schema: 'core' | 'enterprise', ctx: ResourceContext, document: Document): Document {
  const placed = PLACED.filter((a) => a.scim.schema === schema);
  for (const attribute of placed) {
    const { scim } = attribute;
    const value = user[attribute.name as keyof User];
    if (scim.sub === 'value' && scim.referenceTypes) {
      document[scim.attribute] = value ? { value, $ref: `${ctx.baseUrl}/${scim.referenceTypes[0]}s/${value as string}` } : null;
    } else if (scim.sub !== undefined) {
      ((document[scim.attribute] ??= {}) as Document)[scim.sub] = value;
    } else if (attribute.name === 'photos') {
      const served = `${ctx.baseUrl.replace(/\/scim\/v2$/, '')}/users/${user.id}/photo`;
      document[scim.attribute] = user.photoEtag
        ? [{ value: served, type: 'photo', primary: true }, ...user.photos.filter((p) => p.value !== served).map((p) => (p.primary ? { ...p, primary: false } : p))]
        : user.photos;
    } else {
      document[scim.attribute] = value;
    }
  }
  const complex = [...new Set(placed.filter((a) => a.scim.sub !== undefined && !a.scim.referenceTypes).map((a) => a.scim.attribute))];
  for (const name of complex) document[name] = oldCompact(document[name] as Document);
  return document;
}

function oldUserToScim(user: User, ctx: ResourceContext, groups?: { id: string; display: string }[]): Document {
  const extensions: Document = { ...user.extensions };
  const coreExtras = (extensions[CORE_USER_SCHEMA] ?? {}) as Document;
  delete extensions[CORE_USER_SCHEMA];
  const enterpriseExtras = (extensions[ENTERPRISE_USER_SCHEMA] ?? {}) as Document;
  delete extensions[ENTERPRISE_USER_SCHEMA];
  const enterprise = oldCompact(oldWriteAttributes(user, 'enterprise', ctx, { ...enterpriseExtras }));
  const schemas = [CORE_USER_SCHEMA];
  if (Object.keys(enterprise).length > 0) schemas.push(ENTERPRISE_USER_SCHEMA);
  schemas.push(...Object.keys(extensions));
  const document = oldWriteAttributes(user, 'core', ctx, { schemas, ...coreExtras, id: user.id });
  // The group references and meta were not changed by the shortcuts: taken as the code under test writes them.
  const { groups: references, meta } = userToScim(user, ctx, groups);
  document.groups = references;
  document[ENTERPRISE_USER_SCHEMA] = enterprise;
  Object.assign(document, extensions);
  document.meta = meta;
  return oldCompact(document);
}

const ctx: ResourceContext = { baseUrl: 'https://portico.example/api/acme/scim/v2' };
const absent = fc.constantFrom(null, undefined);
const text = fc.oneof(absent, fc.constantFrom('', 'x', 'Ada'), fc.string({ maxLength: 6 }));
const element = fc.dictionary(fc.constantFrom('value', 'type', 'primary', 'display', 'country'), fc.oneof(fc.string({ maxLength: 4 }), fc.boolean()), { maxKeys: 4 });
/** Kept values: any JSON, empty objects and arrays included, under names that are also modeled (`title`, `name`) or not. */
const extras = fc.dictionary(fc.constantFrom('title', 'nickName', 'x509Certificates', 'entitlements', 'manager', 'department', 'costCenter', 'ims', 'zz'), fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.constantFrom(null, [], {})), { maxKeys: 4 });
const extensions = fc.record(
  {
    [CORE_USER_SCHEMA]: extras,
    [ENTERPRISE_USER_SCHEMA]: extras,
    'urn:example:ext:1.0:User': fc.oneof(extras, fc.constantFrom(null, {})),
    'urn:example:other:2.0:User': extras,
  },
  { requiredKeys: [] },
);

const user = fc
  .record({
    attributes: fc.record(Object.fromEntries(PLACED.filter((a) => a.kind !== 'multiValued').map((a) => [a.name, a.name === 'active' ? fc.oneof(fc.boolean(), absent) : text]))),
    lists: fc.record(Object.fromEntries(PLACED.filter((a) => a.kind === 'multiValued').map((a) => [a.name, fc.array(element, { maxLength: 3 })]))),
    extensions,
    photoEtag: fc.option(fc.constantFrom('"abc"', 'W/"1"'), { nil: null }),
    version: fc.nat({ max: 50 }),
    id: fc.uuid(),
  })
  .map(({ attributes, lists, extensions, photoEtag, version, id }) => {
    const photos = (lists.photos ?? []) as { value?: string; primary?: boolean }[];
    // A photo the client sent may be the served one itself (Portico then lists it once).
    if (photoEtag && photos.length > 0) photos[0] = { ...photos[0], value: `${ctx.baseUrl.replace(/\/scim\/v2$/, '')}/users/${id}/photo` };
    return {
      ...attributes,
      ...lists,
      photos,
      id,
      tenantId: '00000000-0000-4000-8000-000000000001',
      extensions,
      photoEtag,
      idpObjectId: null,
      source: 'SCIM',
      version,
      createdAt: new Date(Date.UTC(2026, 0, 1)),
      updatedAt: new Date(Date.UTC(2026, 5, 1, 12)),
      deletedAt: null,
      deletedGroupIds: null,
    } as unknown as User;
  });
const groups = fc.option(fc.array(fc.record({ id: fc.uuid(), display: fc.string({ maxLength: 5 }) }), { maxLength: 2 }), { nil: undefined });

describe('userToScim (every SCIM answer about a user)', () => {
  it('writes exactly what writing every attribute and then compacting wrote, members in the same order', () => {
    fc.assert(
      fc.property(user, groups, (u, g) => JSON.stringify(userToScim(u, ctx, g)) === JSON.stringify(oldUserToScim(u, ctx, g))),
      { numRuns: 3000 },
    );
  });

  it('leaves the user it reads unchanged', () => {
    fc.assert(
      fc.property(user, (u) => {
        const before = JSON.stringify(u);
        userToScim(u, ctx);
        expect(JSON.stringify(u)).toBe(before);
      }),
    );
  });
});
