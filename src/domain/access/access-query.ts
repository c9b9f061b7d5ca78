import type { EntityManager } from '@mikro-orm/postgresql';
import type { User } from '../users/user.entity';
import { accessRepository, type NamedInGrants } from './access.repository';
import { effectiveAccess, type EffectiveAccess } from './access-rules';

export type { NamedInGrants } from './access.repository';

/**
 * Effective access of several users of one tenant, read in one statement (each user's row, the mappings of
 * the groups they belong to and the default mapping, the tenant's fallback team) and merged by the pure rule
 * of access-rules.ts. Users that do not exist are absent. With `named`, the groups and teams the grants name
 * are collected into it, so an explanation needs no second query.
 */
export async function accessOfUsers(em: EntityManager, tenantId: string, userIds: string[], named?: NamedInGrants): Promise<Map<string, EffectiveAccess>> {
  const result = new Map<string, EffectiveAccess>();
  for (const [userId, inputs] of await accessRepository.inputsOf(em, tenantId, userIds, named)) result.set(userId, effectiveAccess(inputs));
  return result;
}

/** A live user of the tenant and their effective access, in one statement; null when there is no such user. */
export async function userWithAccess(em: EntityManager, tenantId: string, userId: string, named: NamedInGrants): Promise<{ user: User; access: EffectiveAccess } | null> {
  const found = await accessRepository.userWithInputs(em, tenantId, userId, named);
  return found && { user: found.user, access: effectiveAccess(found.inputs) };
}
