import { z } from 'zod';
import { recordEvent } from '../events/event-recorder';
import type { IdpGroup } from '../groups/idp-group.entity';
import type { Tenant } from '../tenants/tenant.entity';
import { teamRepository } from '../teams/team.repository';
import { requireDirectoryAccess, requireLevel } from '../shared/authorize';
import { DomainError, notFound } from '../shared/domain-error';
import { PERMISSION_LEVELS, type PermissionLevel } from '../shared/permission-level';
import type { Scope } from '../shared/scope';
import { isUuid } from '../shared/sql';
import type { UnitOfWork } from '../shared/unit-of-work';
import { parseInput } from '../shared/validate';
import { decodeCursor, pageSize, toPage, type Page, type PageArgs } from '../shared/pagination';
import type { User } from '../users/user.entity';
import { accessOfUsers, explainedAccessOfUsers, userWithAccess, type GroupsRead, type NamedInGrants } from './access-query';
import type { EffectiveAccess, TeamAccess } from './access-rules';
import { accessRepository, type MappingView } from './access.repository';

export type { GroupsRead, MappingView } from './access.repository';

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

/** An effective access with the groups and teams its grants name (for explaining it). */
export interface ExplainedAccess {
  access: EffectiveAccess;
  named: NamedInGrants;
}

const isSelf = (scope: Scope, userId: string) => scope.actor.kind === 'USER' && scope.actor.id === userId && scope.actor.tenantId === scope.tenantId;

/** Everyone may read their own access (and row); reading others' needs directory access. */
function requireReader(scope: Scope, userIds: readonly string[]): void {
  if (!userIds.every((id) => isSelf(scope, id))) requireDirectoryAccess(scope, 'read');
}

/** Teams × levels for IdP groups, the default mapping and the fallback team; effective access from them. */
export class AccessService {
  constructor(private readonly uow: UnitOfWork) {}

  /** A user's effective access, explained. Everyone may read their own; reading others needs VIEWER. */
  async accessOf(scope: Scope, userId: string): Promise<EffectiveAccess> {
    return (await this.explainedAccessOf(scope, userId)).access;
  }

  /** The access with the groups and teams its grants name, read by the same single query. */
  async explainedAccessOf(scope: Scope, userId: string): Promise<ExplainedAccess> {
    const { accesses, named } = await this.explainedAccessOfUsers(scope, [userId]);
    const access = accesses.get(userId);
    if (!access) throw notFound('User');
    return { access, named };
  }

  /**
   * The access of several users in one query, with the groups and teams their grants name; users that do not
   * exist (or ids that are not UUIDs) are absent. Reading any but one's own needs directory access.
   */
  async explainedAccessOfUsers(scope: Scope, userIds: readonly string[]): Promise<{ accesses: Map<string, EffectiveAccess>; named: NamedInGrants }> {
    requireReader(scope, userIds);
    return explainedAccessOfUsers(this.uow.sql, scope.tenantId, [...new Set(userIds)].filter(isUuid));
  }

  /**
   * A live user and their explained access in one query, for a reader that wants both; authorised as reading
   * either (one's own, or with directory access). NOT_FOUND when there is no such user. The groups that grants
   * name come without `updatedAt` unless `groupsRead` is `with-timestamps`.
   */
  async userWithAccess(scope: Scope, userId: string, groupsRead: GroupsRead = 'with-timestamps'): Promise<ExplainedAccess & { user: User }> {
    requireReader(scope, [userId]);
    const found = await userWithAccess(this.uow.sql, scope.tenantId, userId, groupsRead);
    if (!found) throw notFound('User');
    return found;
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
      const team = await teamRepository.byId(em, scope.tenantId, teamId);
      if (!team) throw notFound('Team');
      const total = await accessRepository.usersWithTeamCount(em, scope.tenantId, team.id);
      const users = await accessRepository.usersWithTeam(em, scope.tenantId, team.id, size + 1, after ? String(after[0]) : undefined);
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
    const rows = await this.uow.read((em) => accessRepository.named(em, scope.tenantId, groups, teams));
    return {
      groups: rows
        .filter((r) => r.kind === 'group')
        .map((r) => ({ id: r.id, tenantId: scope.tenantId, displayName: r.name, externalId: r.externalId, createdAt: r.createdAt, updatedAt: r.updatedAt })),
      teams: rows.filter((r) => r.kind === 'team').map((r) => ({ id: r.id, tenantId: scope.tenantId, name: r.name, createdAt: r.createdAt })),
    };
  }

  async listMappings(scope: Scope): Promise<MappingView[]> {
    requireLevel(scope, 'VIEWER');
    return this.uow.read((em) => accessRepository.mappings(em, scope.tenantId));
  }

  /** Sets what an IdP group grants; its members' access changes in the same transaction. */
  async setGroupMapping(scope: Scope, groupId: string, input: MappingInput): Promise<MappingView> {
    requireLevel(scope, 'ADMINISTRATOR');
    const mapping = parseInput(mappingRule, input);
    const group = await this.uow.read((em) => accessRepository.groupOf(em, scope.tenantId, groupId));
    if (!group) throw notFound('Group');
    await this.writeMapping(scope, group, mapping);
    return (await this.listMappings(scope)).find((m) => m.groupId === group.id)!;
  }

  async deleteGroupMapping(scope: Scope, groupId: string): Promise<boolean> {
    requireLevel(scope, 'ADMINISTRATOR');
    if (!isUuid(groupId)) return false;
    return this.uow.write(async (em) => {
      const existing = await accessRepository.mappingOf(em, scope.tenantId, groupId);
      if (!existing) return false;
      const group = await accessRepository.groupOf(em, scope.tenantId, groupId);
      if (!group) throw notFound('Group');
      await accessRepository.deleteMapping(em, existing);
      const affected = await accessRepository.activeMembersCount(em, scope.tenantId, groupId);
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
      const tenant = await accessRepository.tenantOf(em, scope.tenantId);
      const team = teamId === null ? null : await teamRepository.byId(em, scope.tenantId, teamId);
      if (teamId !== null && !team) throw notFound('Team');
      if (tenant.fallbackTeamId === (team?.id ?? null)) return tenant;
      const old = tenant.fallbackTeamId;
      tenant.fallbackTeamId = team?.id ?? null;
      const affected = await accessRepository.usersOnDefaultCount(em, scope.tenantId);
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
        const known = await teamRepository.knownIds(em, scope.tenantId, teamIds);
        const missing = teamIds.filter((id) => !known.has(id));
        if (missing.length > 0) throw new DomainError('BAD_USER_INPUT', `No such team in this tenant: ${missing.join(', ')}`, { field: 'teams' });
      }
      await accessRepository.lockMappings(em, scope.tenantId);
      const row = await accessRepository.mappingOf(em, scope.tenantId, group?.id ?? null);
      const before = row ? { globalLevel: row.globalLevel, teams: await accessRepository.teamGrantsOf(em, row.id) } : null;
      if (!row && group && (await accessRepository.groupMappingCount(em, scope.tenantId)) >= MAX_GROUP_MAPPINGS) {
        throw new DomainError('CONFLICT', `At most ${MAX_GROUP_MAPPINGS} groups of a tenant have a mapping`, { max: MAX_GROUP_MAPPINGS });
      }
      await accessRepository.saveMapping(em, scope.tenantId, group?.id ?? null, row, mapping);
      const affected = group
        ? await accessRepository.activeMembersCount(em, scope.tenantId, group.id)
        : await accessRepository.usersOnDefaultCount(em, scope.tenantId);
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
