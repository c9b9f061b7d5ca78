import { CORE_USER_SCHEMA, ENTERPRISE_USER_SCHEMA } from '../directory/attribute-filter';
import type { AttributeCatalog, ElementSource, Scalar } from '../directory/filter-sql';

const text = (sql: string, caseExact = false): Scalar => ({ type: 'string', sql, caseExact });

/** A JSONB array of multi-valued elements (emails, phoneNumbers, …), each element aliased `alias.v`. */
function jsonElements(column: string, alias: string, subs: Record<string, 'string' | 'boolean'>): ElementSource {
  const subAttributes: Record<string, Scalar> = {};
  for (const [name, type] of Object.entries(subs)) {
    subAttributes[name] =
      type === 'boolean' ? { type: 'boolean', sql: `(${alias}.v->>'${name}')::boolean` } : text(`(${alias}.v->>'${name}')`);
  }
  return {
    from: `jsonb_array_elements(${column}) as ${alias}(v)`,
    where: 'true',
    subAttributes,
    defaultSub: 'value',
    primaryOrder: `(${alias}.v->>'primary')::boolean desc nulls last`,
  };
}

const MULTI_VALUE = { value: 'string', type: 'string', display: 'string', primary: 'boolean' } as const;

/** How SCIM-named user attributes map onto the `users` table (aliased `u`). */
export const USER_CATALOG: AttributeCatalog = {
  schemas: {
    [CORE_USER_SCHEMA.toLowerCase()]: {
      id: { kind: 'scalar', column: { type: 'uuid', sql: 'u.id' } },
      externalId: { kind: 'scalar', column: text('u.external_id', true) },
      userName: { kind: 'scalar', column: text('u.user_name') },
      displayName: { kind: 'scalar', column: text('u.display_name') },
      nickName: { kind: 'scalar', column: text('u.nick_name') },
      title: { kind: 'scalar', column: text('u.title') },
      userType: { kind: 'scalar', column: text('u.user_type') },
      preferredLanguage: { kind: 'scalar', column: text('u.preferred_language') },
      locale: { kind: 'scalar', column: text('u.locale') },
      timezone: { kind: 'scalar', column: text('u.timezone') },
      active: { kind: 'scalar', column: { type: 'boolean', sql: 'u.active' } },
      name: {
        kind: 'complex',
        subAttributes: {
          formatted: text('u.formatted_name'),
          givenName: text('u.given_name'),
          familyName: text('u.family_name'),
          middleName: text('u.middle_name'),
          honorificPrefix: text('u.honorific_prefix'),
          honorificSuffix: text('u.honorific_suffix'),
        },
      },
      emails: { kind: 'multi', source: jsonElements('u.emails', 'em', MULTI_VALUE) },
      phoneNumbers: { kind: 'multi', source: jsonElements('u.phone_numbers', 'pn', MULTI_VALUE) },
      photos: { kind: 'multi', source: jsonElements('u.photos', 'ph', MULTI_VALUE) },
      addresses: {
        kind: 'multi',
        source: {
          ...jsonElements('u.addresses', 'ad', {
            formatted: 'string',
            streetAddress: 'string',
            locality: 'string',
            region: 'string',
            postalCode: 'string',
            country: 'string',
            type: 'string',
            primary: 'boolean',
          }),
          defaultSub: 'formatted',
        },
      },
      groups: {
        kind: 'multi',
        source: {
          from: 'group_memberships gm join idp_groups gg on gg.id = gm.group_id',
          where: 'gm.user_id = u.id',
          subAttributes: { value: { type: 'uuid', sql: 'gm.group_id' }, display: text('gg.display_name') },
          defaultSub: 'value',
        },
      },
      meta: {
        kind: 'complex',
        subAttributes: {
          created: { type: 'dateTime', sql: 'u.created_at' },
          lastModified: { type: 'dateTime', sql: 'u.updated_at' },
        },
      },
    },
    [ENTERPRISE_USER_SCHEMA.toLowerCase()]: {
      employeeNumber: { kind: 'scalar', column: text('u.employee_number') },
      costCenter: { kind: 'scalar', column: text('u.cost_center') },
      organization: { kind: 'scalar', column: text('u.organization') },
      division: { kind: 'scalar', column: text('u.division') },
      department: { kind: 'scalar', column: text('u.department') },
      manager: { kind: 'complex', subAttributes: { value: text('u.manager_id', true) }, defaultSub: 'value' },
    },
  },
  unqualified: [CORE_USER_SCHEMA.toLowerCase(), ENTERPRISE_USER_SCHEMA.toLowerCase()],
  extensionsColumn: 'u.extensions',
  // A deleted user's tombstone is gone for SCIM: absent from every list and filter.
  rowCondition: 'u.deleted_at is null',
};
