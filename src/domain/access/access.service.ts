import { z } from 'zod';
import { recordEvent } from '../events/event-recorder';
import { IdpGroup } from '../groups/idp-group.entity';
import { Team } from '../teams/team.entity';
import { Tenant } from '../tenants/tenant.entity';
import { requireDirectoryAccess, requireLevel } from '../shared/authorize';
import { DomainError, notFound } from '../shared/domain-error';
import { PERMISSION_LEVELS, type PermissionLevel } from '../shared/permission-level';
import type { Scope } from '../shared/scope';
import { isUuid, uuidArray } from '../shared/sql';
import type { UnitOfWork } from '../shared/unit-of-work';
import { parseInput } from '../shared/validate';
import { decodeCursor, pageSize, toPage, type Page, type PageArgs } from '../shared/pagination';
import { User } from '../users/user.entity';
import { accessOfUsers, type NamedInGrants } from './access-query';
import type { EffectiveAccess, TeamAccess } from './access-rules';
import { MappingTeamGrant, PermissionMapping } from './permission-mapping.entity';

/** At most this many team grants in one mapping. */
export const MAX_TEAM_GRANTS_PER_MAPPING = 500;
/** At most this many IdP groups of a tenant have a mapping (the default mapping comes on top). */
export const MAX_GROUP_MAPPINGS = 1000;

export const mappingRule = z
  .object({
    globalLevel: z.enum(PERMISSION_LEVELS),
    teams: z
      .array(z.object({ teamId: z.string().refine(isUuid, 'must be a team id'), level: z.enum(PERMISSION_LEVELS) }))
      .max(MAX_TEAM_GRANTS_PER_MAPPING, `at most ${MAX_TEAM_GRANTS_PER_MAPPING} team grants`),
  })
  .refine((m) => new Set(m.teams.map((t) => t.teamId)).size === m.teams.length, { message: 'each team at most once', path: ['teams'] });
export type MappingInput = z.infer<typeof mappingRule>;

export interface GroupRef {
  id: string;
  tenantId: string;
  displayName: string;
  externalId: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface TeamRef {
  id: string;
  tenantId: string;
  name: string;
  createdAt: Date;
}

export interface MappingView {
  groupId: string | null;
  groupName: string | null;
  globalLevel: PermissionLevel;
  teams: { teamId: string; teamName: string; level: PermissionLevel }[];
  updatedAt: Date;
}

/**
 * Whether user `u` has access to a team (bindings: tenant id, then the team id three times). Mirrors the
 * merge rule: a group mapping grants the team, or the user's groups grant nothing and the team is the
 * fallback team or granted by the default mapping.
 */
export const TEAM_ACCESS_CONDITION = `u.tenant_id = ? and u.deleted_at is null and u.active and (
    exists (select 1 from group_memberships m
              join permission_mappings pm on pm.group_id = m.group_id
              join mapping_team_grants tg on tg.mapping_id = pm.id
             where m.user_id = u.id and tg.team_id = ? and tg.level <> 'NONE')
    or (exists (select 1 from tenants t where t.id = u.tenant_id and t.fallback_team_id = ?)
          or exists (select 1 from permission_mappings pm join mapping_team_grants tg on tg.mapping_id = pm.id
                      where pm.tenant_id = u.tenant_id and pm.group_id is null and tg.team_id = ? and tg.level <> 'NONE'))
       and not exists (select 1 from group_memberships m join permission_mappings pm on pm.group_id = m.group_id
                        where m.user_id = u.id
                          and (pm.global_level <> 'NONE'
                               or exists (select 1 from mapping_team_grants tg where tg.mapping_id = pm.id and tg.level <> 'NONE'))))`;

/** How many users have access to a team right now (for TEAM_CHANGED events). */
export async function usersWithTeam(em: Parameters<typeof accessOfUsers>[0], tenantId: string, teamId: string): Promise<number> {
  const [{ n }] = await em.execute<{ n: number }[]>(`select count(*)::int as n from users u where ${TEAM_ACCESS_CONDITION}`, [tenantId, teamId, teamId, teamId]);
  return n;
}

/** Teams × levels for IdP groups, the default mapping and the fallback team; effective access from them. */
export class AccessService {
  constructor(private readonly uow: UnitOfWork) {}

  /** A user's effective access, explained. Everyone may read their own; reading others needs VIEWER. */
  async accessOf(scope: Scope, userId: string): Promise<EffectiveAccess> {
    return (await this.explainedAccessOf(scope, userId)).access;
  }

  /** The access with the groups and teams its grants name, read by the same single query. */
  async explainedAccessOf(scope: Scope, userId: string): Promise<{ access: EffectiveAccess; named: NamedInGrants }> {
    const isSelf = scope.actor.kind === 'USER' && scope.actor.id === userId && scope.actor.tenantId === scope.tenantId;
    if (!isSelf) requireDirectoryAccess(scope, 'read');
    if (!isUuid(userId)) throw notFound('User');
    const named: NamedInGrants = { groups: new Map(), teams: new Map() };
    const access = (await this.uow.read((em) => accessOfUsers(em, scope.tenantId, [userId], named))).get(userId);
    if (!access) throw notFound('User');
    return { access, named };
  }

  /**
   * Who has access to a team, and why, by userName: members of groups whose mapping grants the team, and,
   * when the team is the fallback team or the default mapping grants it, everyone whose groups grant nothing.
   */
  async teamMembers(scope: Scope, teamId: string, args: PageArgs): Promise<Page<{ user: User; access: TeamAccess }>> {
    requireDirectoryAccess(scope, 'read');
    const size = pageSize(args.first);
    const after = decodeCursor(args.after, 1);
    return this.uow.read(async (em) => {
      const team = isUuid(teamId) ? await em.findOne(Team, { id: teamId, tenantId: scope.tenantId }) : null;
      if (!team) throw notFound('Team');
      const condition = TEAM_ACCESS_CONDITION;
      const bindings = [scope.tenantId, team.id, team.id, team.id];
      const [{ total }] = await em.execute<{ total: number }[]>(`select count(*)::int as total from users u where ${condition}`, bindings);
      const rows = await em.execute(
        `select u.* from users u where ${condition} ${after ? 'and lower(u.user_name) > ?' : ''} order by lower(u.user_name) limit ?`,
        [...bindings, ...(after ? [String(after[0])] : []), size + 1],
      );
      const users = rows.map((row) => em.map(User, row));
      const accesses = await accessOfUsers(em, scope.tenantId, users.slice(0, size).map((u) => u.id));
      const members = users.map((user) => ({
        user,
        access: accesses.get(user.id)?.teams.find((t) => t.teamId === team.id) ?? { teamId: team.id, teamName: team.name, level: 'NONE' as const, grantedBy: [] },
      }));
      return toPage(members, size, total, (m) => [m.user.userName.toLowerCase()]);
    });
  }

  /** The groups and teams that grants and mappings name, in one query (for explaining them). */
  async namedInGrants(scope: Scope, groupIds: string[], teamIds: string[]): Promise<{ groups: GroupRef[]; teams: TeamRef[] }> {
    requireLevel(scope, 'NONE');
    const groups = [...new Set(groupIds)].filter(isUuid);
    const teams = [...new Set(teamIds)].filter(isUuid);
    if (groups.length === 0 && teams.length === 0) return { groups: [], teams: [] };
    const rows = await this.uow.read((em) =>
      em.execute<{ kind: 'group' | 'team'; id: string; name: string; external_id: string | null; created_at: Date; updated_at: Date }[]>(
        `select 'group' as kind, id, display_name as name, external_id, created_at, updated_at from idp_groups where tenant_id = ? and id = any(?::uuid[])
         union all
         select 'team' as kind, id, name, null, created_at, updated_at from teams where tenant_id = ? and id = any(?::uuid[])`,
        [scope.tenantId, uuidArray(groups), scope.tenantId, uuidArray(teams)],
      ),
    );
    const at = (value: Date) => new Date(value);
    return {
      groups: rows.filter((r) => r.kind === 'group').map((r) => ({ id: r.id, tenantId: scope.tenantId, displayName: r.name, externalId: r.external_id, createdAt: at(r.created_at), updatedAt: at(r.updated_at) })),
      teams: rows.filter((r) => r.kind === 'team').map((r) => ({ id: r.id, tenantId: scope.tenantId, name: r.name, createdAt: at(r.created_at) })),
    };
  }

  async listMappings(scope: Scope): Promise<MappingView[]> {
    requireLevel(scope, 'VIEWER');
    return this.uow.read(async (em) => {
      const rows = await em.execute<
        { group_id: string | null; group_name: string | null; global_level: PermissionLevel; updated_at: Date; team_id: string | null; team_name: string | null; level: PermissionLevel | null }[]
      >(
        `select pm.group_id, g.display_name as group_name, pm.global_level, pm.updated_at, tg.team_id, t.name as team_name, tg.level
           from permission_mappings pm
           left join idp_groups g on g.id = pm.group_id
           left join mapping_team_grants tg on tg.mapping_id = pm.id
           left join teams t on t.id = tg.team_id
          where pm.tenant_id = ?
          order by pm.group_id is not null, lower(g.display_name), lower(t.name)`,
        [scope.tenantId],
      );
      const views = new Map<string, MappingView>();
      for (const row of rows) {
        const key = row.group_id ?? 'default';
        const view = views.get(key) ?? { groupId: row.group_id, groupName: row.group_name, globalLevel: row.global_level, teams: [], updatedAt: new Date(row.updated_at) };
        if (row.team_id && row.level) view.teams.push({ teamId: row.team_id, teamName: row.team_name ?? '', level: row.level });
        views.set(key, view);
      }
      return [...views.values()];
    });
  }

  /** Sets what an IdP group grants; its members' access changes in the same transaction. */
  async setGroupMapping(scope: Scope, groupId: string, input: MappingInput): Promise<MappingView> {
    requireLevel(scope, 'ADMINISTRATOR');
    const mapping = parseInput(mappingRule, input);
    const group = isUuid(groupId) ? await this.uow.read((em) => em.findOne(IdpGroup, { id: groupId, tenantId: scope.tenantId })) : null;
    if (!group) throw notFound('Group');
    await this.writeMapping(scope, group, mapping);
    return (await this.listMappings(scope)).find((m) => m.groupId === group.id)!;
  }

  async deleteGroupMapping(scope: Scope, groupId: string): Promise<boolean> {
    requireLevel(scope, 'ADMINISTRATOR');
    if (!isUuid(groupId)) return false;
    return this.uow.write(async (em) => {
      const existing = await em.findOne(PermissionMapping, { tenantId: scope.tenantId, groupId });
      if (!existing) return false;
      const group = await em.findOneOrFail(IdpGroup, { id: groupId, tenantId: scope.tenantId });
      await em.nativeDelete(PermissionMapping, { id: existing.id });
      const affected = await membersCount(em, groupId);
      await recordEvent(em, scope, {
        type: 'MAPPING_CHANGED',
        subjectType: 'MAPPING',
        subjectId: groupId,
        summary: `Mapping of group ${group.displayName} deleted (${affected} member(s) affected)`,
        changes: [{ attribute: 'globalLevel', old: existing.globalLevel, new: null }],
        detail: { affectedUsers: affected },
      });
      return true;
    });
  }

  async setDefaultMapping(scope: Scope, input: MappingInput): Promise<MappingView> {
    requireLevel(scope, 'ADMINISTRATOR');
    await this.writeMapping(scope, null, parseInput(mappingRule, input));
    return (await this.listMappings(scope)).find((m) => m.groupId === null)!;
  }

  /** The team everyone whose groups grant nothing belongs to (null: none). */
  async setFallbackTeam(scope: Scope, teamId: string | null): Promise<Tenant> {
    requireLevel(scope, 'ADMINISTRATOR');
    return this.uow.write(async (em) => {
      const tenant = await em.findOneOrFail(Tenant, { id: scope.tenantId });
      let team: Team | null = null;
      if (teamId !== null) {
        team = isUuid(teamId) ? await em.findOne(Team, { id: teamId, tenantId: scope.tenantId }) : null;
        if (!team) throw notFound('Team');
      }
      if (tenant.fallbackTeamId === (team?.id ?? null)) return tenant;
      const old = tenant.fallbackTeamId;
      tenant.fallbackTeamId = team?.id ?? null;
      const affected = await usersOnDefault(em, scope.tenantId);
      await recordEvent(em, scope, {
        type: 'MAPPING_CHANGED',
        subjectType: 'TENANT',
        subjectId: scope.tenantId,
        summary: team ? `Fallback team set to ${team.name} (${affected} user(s) affected)` : `Fallback team removed (${affected} user(s) affected)`,
        changes: [{ attribute: 'fallbackTeamId', old, new: tenant.fallbackTeamId }],
        detail: { affectedUsers: affected },
      });
      return tenant;
    });
  }

  private async writeMapping(scope: Scope, group: IdpGroup | null, mapping: MappingInput): Promise<void> {
    await this.uow.write(async (em) => {
      const teamIds = mapping.teams.map((t) => t.teamId);
      if (teamIds.length > 0) {
        const found = await em.execute<{ id: string }[]>('select id from teams where tenant_id = ? and id = any(?::uuid[])', [scope.tenantId, uuidArray(teamIds)]);
        const known = new Set(found.map((r) => r.id));
        const missing = teamIds.filter((id) => !known.has(id));
        if (missing.length > 0) throw new DomainError('BAD_USER_INPUT', `No such team in this tenant: ${missing.join(', ')}`, { field: 'teams' });
      }
      // Serialises concurrent writers of one tenant's mappings (the default mapping has no row to lock yet)
      // with an advisory lock: locking the tenant row would deadlock against every write that records an
      // event (their foreign key takes a share lock on that row).
      await em.execute(`select pg_advisory_xact_lock(hashtext('portico.mappings'), hashtext(?))`, [scope.tenantId]);
      let row = await em.findOne(PermissionMapping, { tenantId: scope.tenantId, groupId: group?.id ?? null });
      const before = row ? { globalLevel: row.globalLevel, teams: await em.find(MappingTeamGrant, { mappingId: row.id }) } : null;
      if (!row && group) {
        const [{ n }] = await em.execute<{ n: number }[]>('select count(*)::int as n from permission_mappings where tenant_id = ? and group_id is not null', [scope.tenantId]);
        if (n >= MAX_GROUP_MAPPINGS) throw new DomainError('CONFLICT', `At most ${MAX_GROUP_MAPPINGS} groups of a tenant have a mapping`, { max: MAX_GROUP_MAPPINGS });
      }
      if (!row) row = em.create(PermissionMapping, { tenantId: scope.tenantId, groupId: group?.id ?? null, globalLevel: mapping.globalLevel });
      row.globalLevel = mapping.globalLevel;
      row.updatedAt = new Date();
      await em.flush();
      await em.nativeDelete(MappingTeamGrant, { mappingId: row.id });
      for (const grant of mapping.teams) em.create(MappingTeamGrant, { mappingId: row.id, teamId: grant.teamId, tenantId: scope.tenantId, level: grant.level });
      const affected = group ? await membersCount(em, group.id) : await usersOnDefault(em, scope.tenantId);
      const describeTeams = (teams: { teamId: string; level: PermissionLevel }[]) =>
        teams.map((t) => ({ teamId: t.teamId, level: t.level })).sort((a, b) => a.teamId.localeCompare(b.teamId));
      await recordEvent(em, scope, {
        type: 'MAPPING_CHANGED',
        subjectType: 'MAPPING',
        subjectId: group?.id ?? null,
        summary: `${group ? `Mapping of group ${group.displayName}` : 'Default mapping'} set: ${mapping.globalLevel}, ${mapping.teams.length} team grant(s) (${affected} user(s) affected)`,
        changes: [
          { attribute: 'globalLevel', old: before?.globalLevel ?? null, new: mapping.globalLevel },
          { attribute: 'teams', old: before ? describeTeams(before.teams) : null, new: describeTeams(mapping.teams) },
        ],
        detail: { affectedUsers: affected },
      });
    });
  }
}

async function membersCount(em: Parameters<typeof accessOfUsers>[0], groupId: string): Promise<number> {
  const [{ n }] = await em.execute<{ n: number }[]>(
    'select count(*)::int as n from group_memberships m join users u on u.id = m.user_id where m.group_id = ? and u.active',
    [groupId],
  );
  return n;
}

/** Active users whose groups grant nothing: those the default mapping and fallback team apply to. */
async function usersOnDefault(em: Parameters<typeof accessOfUsers>[0], tenantId: string): Promise<number> {
  const [{ n }] = await em.execute<{ n: number }[]>(
    `select count(*)::int as n from users u
      where u.tenant_id = ? and u.active
        and not exists (select 1 from group_memberships m join permission_mappings pm on pm.group_id = m.group_id
                         where m.user_id = u.id
                           and (pm.global_level <> 'NONE'
                                or exists (select 1 from mapping_team_grants tg where tg.mapping_id = pm.id and tg.level <> 'NONE')))`,
    [tenantId],
  );
  return n;
}
