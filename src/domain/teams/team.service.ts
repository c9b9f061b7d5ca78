import { z } from 'zod';
import { accessRepository } from '../access/access.repository';
import { recordEvent } from '../events/event-recorder';
import { requireLevel } from '../shared/authorize';
import { DomainError, notFound } from '../shared/domain-error';
import type { Scope } from '../shared/scope';
import type { UnitOfWork } from '../shared/unit-of-work';
import { conflictOnDuplicate, parseInput } from '../shared/validate';
import type { Team } from './team.entity';
import { teamRepository } from './team.repository';

export const teamNameRule = z.string().trim().min(1, 'must not be empty').max(128, 'must be at most 128 characters');

/** A tenant has at most this many teams, so every list of its teams is complete. */
export const MAX_TEAMS_PER_TENANT = 1000;

/** Teams: the product's own unit of access, managed by tenant administrators. */
export class TeamService {
  constructor(private readonly uow: UnitOfWork) {}

  async list(scope: Scope): Promise<Team[]> {
    requireLevel(scope, 'VIEWER');
    return this.uow.read((em) => teamRepository.list(em, scope.tenantId, MAX_TEAMS_PER_TENANT));
  }

  async get(scope: Scope, id: string): Promise<Team> {
    requireLevel(scope, 'VIEWER');
    const team = await this.uow.read((em) => teamRepository.byId(em, scope.tenantId, id));
    if (!team) throw notFound('Team');
    return team;
  }

  async create(scope: Scope, name: string): Promise<Team> {
    requireLevel(scope, 'ADMINISTRATOR');
    const teamName = parseInput(teamNameRule, name);
    return conflictOnDuplicate(
      () =>
        this.uow.write(async (em) => {
          await teamRepository.lockCreation(em, scope.tenantId);
          if ((await teamRepository.count(em, scope.tenantId)) >= MAX_TEAMS_PER_TENANT) throw new DomainError('CONFLICT', `A tenant has at most ${MAX_TEAMS_PER_TENANT} teams`, { max: MAX_TEAMS_PER_TENANT });
          const team = teamRepository.add(em, scope.tenantId, teamName);
          await recordEvent(em, scope, {
            type: 'TEAM_CHANGED',
            subjectType: 'TEAM',
            subjectId: team.id,
            summary: `Team ${teamName} created`,
            changes: [{ attribute: 'name', old: null, new: teamName }],
          });
          return team;
        }),
      `A team named "${teamName}" already exists`,
    );
  }

  async rename(scope: Scope, id: string, name: string): Promise<Team> {
    requireLevel(scope, 'ADMINISTRATOR');
    const teamName = parseInput(teamNameRule, name);
    return conflictOnDuplicate(
      () =>
        this.uow.write(async (em) => {
          const team = await teamRepository.byId(em, scope.tenantId, id);
          if (!team) throw notFound('Team');
          if (team.name === teamName) return team;
          const old = team.name;
          team.name = teamName;
          team.updatedAt = new Date();
          const affected = await accessRepository.usersWithTeamCount(em, scope.tenantId, team.id);
          await recordEvent(em, scope, {
            type: 'TEAM_CHANGED',
            subjectType: 'TEAM',
            subjectId: team.id,
            summary: `Team ${old} renamed to ${teamName}`,
            changes: [{ attribute: 'name', old, new: teamName }],
            detail: { affectedUsers: affected },
          });
          return team;
        }),
      `A team named "${teamName}" already exists`,
    );
  }

  /**
   * Deletes a team. Its grants in every mapping go with it (ON DELETE CASCADE); if it was the fallback
   * team, the tenant has no fallback team until an administrator sets another.
   */
  async delete(scope: Scope, id: string): Promise<void> {
    requireLevel(scope, 'ADMINISTRATOR');
    await this.uow.write(async (em) => {
      const team = await teamRepository.byId(em, scope.tenantId, id);
      if (!team) throw notFound('Team');
      // Who loses access: counted before the team, its grants and its fallback role go.
      const affected = await accessRepository.usersWithTeamCount(em, scope.tenantId, team.id);
      await teamRepository.remove(em, team);
      await recordEvent(em, scope, {
        type: 'TEAM_CHANGED',
        subjectType: 'TEAM',
        subjectId: team.id,
        summary: `Team ${team.name} deleted (${affected} user(s) lose access to it)`,
        changes: [{ attribute: 'name', old: team.name, new: null }],
        detail: { affectedUsers: affected },
      });
    });
  }
}
