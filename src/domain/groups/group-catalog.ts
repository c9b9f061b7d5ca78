import { CORE_GROUP_SCHEMA } from '../directory/attribute-filter';
import type { AttributeCatalog } from '../../db/filter-sql';

/** How SCIM-named group attributes map onto `idp_groups` (aliased `g`); members are matched in SQL, never loaded. */
export const GROUP_CATALOG: AttributeCatalog = {
  schemas: {
    [CORE_GROUP_SCHEMA.toLowerCase()]: {
      id: { kind: 'scalar', column: { type: 'uuid', sql: 'g.id' } },
      displayName: { kind: 'scalar', column: { type: 'string', sql: 'g.display_name', caseExact: false } },
      externalId: { kind: 'scalar', column: { type: 'string', sql: 'g.external_id', caseExact: true } },
      members: {
        kind: 'multi',
        source: {
          from: 'group_memberships gmm join users mu on mu.id = gmm.user_id',
          // A tombstone's membership left by a burial racing a member add is not a member (groupRepository.membersOfGroups).
          where: 'gmm.group_id = g.id and mu.deleted_at is null',
          subAttributes: {
            value: { type: 'uuid', sql: 'gmm.user_id' },
            display: { type: 'string', sql: 'mu.display_name', caseExact: false },
          },
          defaultSub: 'value',
        },
      },
      meta: {
        kind: 'complex',
        subAttributes: {
          created: { type: 'dateTime', sql: 'g.created_at' },
          lastModified: { type: 'dateTime', sql: 'g.updated_at' },
        },
      },
    },
  },
  unqualified: [CORE_GROUP_SCHEMA.toLowerCase()],
  extensionsColumn: 'g.extensions',
};
