import { CORE_USER_SCHEMA, ENTERPRISE_USER_SCHEMA } from '../directory/attribute-filter';
import type { AttributeCatalog, AttributeDefinition, ElementSource, Scalar } from '../../db/filter-sql';
import { USER_ATTRIBUTES, type ElementPart } from './user-attributes';

const text = (sql: string, caseExact = false): Scalar => ({ type: 'string', sql, caseExact });

/** A short alias for a JSONB array's elements: the initials of a compound name (`pn`), else its first two letters. */
function aliasOf(name: string): string {
  const initials = name.replace(/[a-z]/g, '').toLowerCase();
  return initials.length > 0 ? name[0] + initials : name.slice(0, 2);
}

/** A JSONB array of multi-valued elements (emails, addresses, …), each element aliased `alias.v`. */
function jsonElements(column: string, alias: string, parts: readonly ElementPart[]): ElementSource {
  const subAttributes: Record<string, Scalar> = {};
  for (const { name, type } of parts) {
    subAttributes[name] = type === 'boolean' ? { type: 'boolean', sql: `(${alias}.v->>'${name}')::boolean` } : text(`(${alias}.v->>'${name}')`);
  }
  return {
    from: `jsonb_array_elements(${column}) as ${alias}(v)`,
    where: 'true',
    subAttributes,
    // A filter naming the attribute alone means its value (`emails co "@x"`), or an address's formatted text.
    defaultSub: parts.some((p) => p.name === 'value') ? 'value' : parts[0].name,
    primaryOrder: `(${alias}.v->>'primary')::boolean desc nulls last`,
  };
}

/** The modeled attributes of one SCIM schema, as filter definitions over the `users` row `u`. */
function modeledAttributes(schema: 'core' | 'enterprise'): Record<string, AttributeDefinition> {
  const definitions: Record<string, AttributeDefinition> = {};
  for (const attribute of USER_ATTRIBUTES) {
    if (attribute.scim?.schema !== schema) continue;
    const { scim, column } = attribute;
    const sql = `u.${column}`;
    const scalar: Scalar = attribute.kind === 'boolean' ? { type: 'boolean', sql } : text(sql, scim.caseExact === true);
    if (scim.sub !== undefined) {
      const complex = (definitions[scim.attribute] ??= { kind: 'complex', subAttributes: {} }) as Extract<AttributeDefinition, { kind: 'complex' }>;
      complex.subAttributes[scim.sub] = scalar;
      // A reference (manager) named alone means its value.
      if (scim.sub === 'value') complex.defaultSub = 'value';
    } else if (attribute.kind === 'multiValued') {
      definitions[scim.attribute] = { kind: 'multi', source: jsonElements(sql, aliasOf(attribute.name), attribute.parts) };
    } else {
      definitions[scim.attribute] = { kind: 'scalar', column: scalar };
    }
  }
  return definitions;
}

const EXTENSIONS = USER_ATTRIBUTES.find((a) => a.kind === 'extensions')!;

/** How SCIM-named user attributes map onto the `users` table (aliased `u`). */
export const USER_CATALOG: AttributeCatalog = {
  schemas: {
    [CORE_USER_SCHEMA.toLowerCase()]: {
      id: { kind: 'scalar', column: { type: 'uuid', sql: 'u.id' } },
      ...modeledAttributes('core'),
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
    [ENTERPRISE_USER_SCHEMA.toLowerCase()]: modeledAttributes('enterprise'),
  },
  unqualified: [CORE_USER_SCHEMA.toLowerCase(), ENTERPRISE_USER_SCHEMA.toLowerCase()],
  extensionsColumn: `u.${EXTENSIONS.column}`,
  // A deleted user's tombstone is gone for SCIM: absent from every list and filter.
  rowCondition: 'u.deleted_at is null',
};
