import { CORE_GROUP_SCHEMA } from '../domain/directory/attribute-filter';
import type { GroupAttributes } from '../domain/groups/group-rules';
import type { IdpGroup } from '../domain/groups/idp-group.entity';
import type { MemberRef } from '../domain/groups/group.service';
import type { ExtensionAttributes } from '../domain/users/user.entity';
import { invalidSyntax, invalidValue } from './scim-error';
import { weakEtag } from './scim-http';
import type { ResourceContext } from './user-resource';
import { compact, isObject, member, toText, type Json, type JsonObject } from './values';

const IGNORED = new Set(['schemas', 'id', 'meta', 'displayname', 'externalid', 'members']);

/** Member ids from `[{ "value": "id" }, …]` (a single object is accepted too). */
export function memberIdsOf(value: Json | undefined, field = 'members'): string[] {
  if (value === undefined || value === null || value === '') return [];
  const list = Array.isArray(value) ? value : [value];
  return list.map((item, i) => {
    const id = isObject(item) ? member(item, 'value') : item;
    if (typeof id !== 'string' || id === '') throw invalidValue(`${field}[${i}].value must be a user id`);
    return id;
  });
}

/** A SCIM Group document (POST, PUT, or a patched copy) as group attributes and, if given, its members. */
export function scimToGroup(doc: Json): { attributes: GroupAttributes; members: string[] | undefined } {
  if (!isObject(doc)) throw invalidSyntax('The body must be a JSON object');
  const displayName = toText(member(doc, 'displayName'), 'displayName');
  if (!displayName) throw invalidValue('displayName is required');
  const extensions: ExtensionAttributes = {};
  for (const [key, value] of Object.entries(doc)) {
    // Unknown schema URIs (Entra adds a Microsoft one to `schemas`) are tolerated; extension objects are kept.
    if (IGNORED.has(key.toLowerCase()) || !key.toLowerCase().startsWith('urn:') || !isObject(value)) continue;
    if (key.toLowerCase() === CORE_GROUP_SCHEMA.toLowerCase()) continue;
    extensions[key] = value;
  }
  const members = member(doc, 'members');
  return {
    attributes: { displayName, externalId: toText(member(doc, 'externalId'), 'externalId') ?? null, extensions },
    members: members === undefined ? undefined : memberIdsOf(members),
  };
}

/** The SCIM representation of a group; `members` only when they were asked for (and loaded). */
export function groupToScim(group: IdpGroup, members: MemberRef[] | null, ctx: ResourceContext): JsonObject {
  return compact({
    schemas: [CORE_GROUP_SCHEMA, ...Object.keys(group.extensions)],
    id: group.id,
    externalId: group.externalId,
    displayName: group.displayName,
    ...(members && { members: members.map((m) => ({ value: m.id, ...(m.display !== null && { display: m.display }), $ref: `${ctx.baseUrl}/Users/${m.id}` })) }),
    ...group.extensions,
    meta: {
      resourceType: 'Group',
      created: group.createdAt.toISOString(),
      lastModified: group.updatedAt.toISOString(),
      location: `${ctx.baseUrl}/Groups/${group.id}`,
      version: weakEtag(group.version),
    },
  }) as JsonObject;
}
