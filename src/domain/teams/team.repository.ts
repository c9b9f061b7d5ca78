import type { EntityManager } from '@mikro-orm/postgresql';
import { Tenant } from '../tenants/tenant.entity';
import { queryPrepared, type PreparedStatement } from '../../db/prepared-query';
import { rowById } from '../../db/row-by-id';
import { Team } from './team.entity';

/** One creator of a tenant's teams at a time, until commit, so two concurrent creations cannot both pass the count. */
const LOCK_TEAMS: PreparedStatement = {
  name: 'portico_lock_teams_v1',
  text: `select pg_advisory_xact_lock(hashtext('portico.teams'), hashtext($1::text))`,
};

const TEAM_COUNT: PreparedStatement = {
  name: 'portico_team_count_v1',
  text: 'select count(*)::int as n from teams where tenant_id = $1',
};

const KNOWN_TEAM_IDS: PreparedStatement = {
  name: 'portico_known_team_ids_v1',
  text: 'select id from teams where tenant_id = $1 and id = any($2::uuid[])',
};

/** All SQL of teams: the `teams` table and the tenant's pointer to its fallback team. */
export const teamRepository = {
  /** The tenant's teams by name, at most `limit`. */
  list(em: EntityManager, tenantId: string, limit: number): Promise<Team[]> {
    return em.find(Team, { tenantId }, { orderBy: { name: 'asc' }, limit });
  },

  /** A team of the tenant as an entity of `em` (a change flushes with it), or null (an id that is not a UUID is none). */
  byId(em: EntityManager, tenantId: string, id: string): Promise<Team | null> {
    return rowById(em, Team, tenantId, id);
  },

  /** Those of `teamIds` (validated UUIDs) that are teams of the tenant. */
  async knownIds(em: EntityManager, tenantId: string, teamIds: string[]): Promise<Set<string>> {
    return new Set((await queryPrepared<{ id: string }>(em, KNOWN_TEAM_IDS, [tenantId, teamIds])).map((r) => r.id));
  },

  /** Holds the creation of the tenant's teams for this transaction (see LOCK_TEAMS). */
  async lockCreation(em: EntityManager, tenantId: string): Promise<void> {
    await queryPrepared(em, LOCK_TEAMS, [tenantId]);
  },

  async count(em: EntityManager, tenantId: string): Promise<number> {
    return (await queryPrepared<{ n: number }>(em, TEAM_COUNT, [tenantId]))[0].n;
  },

  /** A new team, inserted when the transaction of `em` flushes. */
  add(em: EntityManager, tenantId: string, name: string): Team {
    return em.create(Team, { tenantId, name });
  },

  /**
   * Deletes a team when the transaction of `em` flushes, after the tenant stops naming it its fallback team.
   * Its grants in every mapping go with it (ON DELETE CASCADE).
   */
  async remove(em: EntityManager, team: Team): Promise<void> {
    await em.nativeUpdate(Tenant, { id: team.tenantId, fallbackTeamId: team.id }, { fallbackTeamId: null });
    em.remove(team);
  },
};
