import type { EntityManager } from '@mikro-orm/postgresql';
import type { SqlClient } from '../shared/sql-client';
import type { User } from '../users/user.entity';
import { accessRepository, type GroupsRead, type NamedInGrants } from './access.repository';
import { effectiveAccess, type EffectiveAccess } from './access-rules';

export type { GroupsRead, NamedInGrants } from './access.repository';

/**
 * Effective access of several users of one tenant, read in one statement (each user's row, the mappings of
 * the groups they belong to and the default mapping, the tenant's fallback team) and merged by the pure rule
 * of access-rules.ts, on `em`'s connection (in its transaction). Users that do not exist are absent.
 */
export async function accessOfUsers(em: EntityManager, tenantId: string, userIds: string[]): Promise<Map<string, EffectiveAccess>> {
  const result = new Map<string, EffectiveAccess>();
  for (const [userId, inputs] of await accessRepository.inputsOf(em, tenantId, userIds)) result.set(userId, effectiveAccess(inputs));
  return result;
}

/** As accessOfUsers, outside a transaction, with the groups and teams the grants name (to explain them). */
export async function explainedAccessOfUsers(sql: SqlClient, tenantId: string, userIds: string[]): Promise<{ accesses: Map<string, EffectiveAccess>; named: NamedInGrants }> {
  const { inputs, named } = await accessRepository.explainedInputsOf(sql, tenantId, userIds);
  const accesses = new Map<string, EffectiveAccess>();
  for (const [userId, userInputs] of inputs) accesses.set(userId, effectiveAccess(userInputs));
  return { accesses, named };
}

/**
 * A live user of the tenant, their effective access and what it names (its groups read as `groupsRead`
 * says), in one statement; null when there is no such user.
 */
export async function userWithAccess(
  sql: SqlClient,
  tenantId: string,
  userId: string,
  groupsRead: GroupsRead,
): Promise<{ user: User; access: EffectiveAccess; named: NamedInGrants } | null> {
  const found = await accessRepository.userWithInputs(sql, tenantId, userId, groupsRead);
  return found && { user: found.user, access: effectiveAccess(found.inputs), named: found.named };
}
