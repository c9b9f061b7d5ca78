import type { EntityManager } from '@mikro-orm/postgresql';
import { accessOfUsers } from '../access/access-query';
import { recordAccessChanges } from '../access/access-changes';
import { recordEvent } from '../events/event-recorder';
import type { AttributeChange } from '../events/provisioning-event.entity';
import { diffAttributes } from '../shared/changes';
import { photoRepository } from '../photos/photo.repository';
import type { Scope } from '../shared/scope';
import type { SqlClient } from '../shared/sql-client';
import { NO_ACCESS, sameAccess, type EffectiveAccess } from '../access/access-rules';
import { userRepository } from './user.repository';
import { User, type UserSource } from './user.entity';
import { TRACKED_USER_ATTRIBUTES, type UserAttributes } from './user-rules';
import { withDefaults } from './user-values';

/**
 * Turns a live, locked user into a tombstone in the transaction of `em`: inactive (so every check of `active`
 * refuses it), sessions ended, group memberships taken away (remembered for a return), with USER_DELETED and
 * the ACCESS_CHANGED it causes.
 */
export async function buryUser(em: EntityManager, sql: SqlClient, scope: Scope, user: User): Promise<void> {
  const before = await accessOfUsers(em, scope.tenantId, [user.id]);
  await userRepository.buryWithEvent(sql, scope, user);
  if (user.photoEtag) {
    // A deleted person's picture is not kept with the tombstone.
    await photoRepository.remove(em, scope.tenantId, user.id);
    user.photoEtag = null;
  }
  await recordLostAccess(em, scope, user.id, before, 'user deleted');
}

/**
 * ACCESS_CHANGED for a user who was just deactivated or deleted, in the running transaction. Such a user has no
 * access any more: when they had none before either (no mapping, no default), there is nothing to compare.
 */
export async function recordLostAccess(em: EntityManager, scope: Scope, userId: string, before: Map<string, EffectiveAccess>, reason: string): Promise<void> {
  const had = before.get(userId);
  if (!had || sameAccess(had, NO_ACCESS)) return;
  await recordAccessChanges(em, scope, [userId], before, reason);
}

/** A tombstone of the scope's tenant by id, held until commit; null for a live user or none. */
export const lockTombstone = (sql: SqlClient, scope: Scope, id: string): Promise<User | null> => userRepository.lockTombstone(sql, scope.tenantId, { id });

/**
 * The most recently deleted tombstone of the tenant that is the same person as the one provisioned: the same
 * externalId and the same userName (case-insensitive), held until commit, or null. The externalId alone is not
 * enough: Entra's default mapping sends mailNickname, which a new colleague may be given after the person left,
 * and the newcomer must not inherit the other's id, groups and credentials.
 */
export const lockTombstoneOf = (sql: SqlClient, scope: Scope, externalId: string, userName: string): Promise<User | null> =>
  userRepository.lockTombstone(sql, scope.tenantId, { externalId, userName });

/**
 * Brings a locked tombstone back with the same id: `attributes` become its attributes, the groups it belonged
 * to (those that still exist) are given back, with USER_RESTORED and the ACCESS_CHANGED it causes. A userName
 * a live user took meanwhile fails at flush (the caller maps it to a conflict).
 */
export async function reviveUser(
  em: EntityManager,
  sql: SqlClient,
  scope: Scope,
  tombstone: User,
  attributes: UserAttributes,
  source: UserSource,
  how: string,
): Promise<User> {
  const before = { ...tombstone };
  const accessBefore = await accessOfUsers(em, scope.tenantId, [tombstone.id]);
  Object.assign(tombstone, withDefaults(attributes));
  tombstone.source = source;
  tombstone.deletedAt = null;
  tombstone.version += 1;
  tombstone.updatedAt = new Date();
  const rememberedGroups = tombstone.deletedGroupIds;
  tombstone.deletedGroupIds = [];
  const restoredGroups = await userRepository.revive(sql, tombstone, rememberedGroups);
  await recordAccessChanges(em, scope, [tombstone.id], accessBefore, 'user restored');
  const changes: AttributeChange[] = [
    { attribute: 'deletedAt', old: before.deletedAt?.toISOString() ?? null, new: null },
    ...diffAttributes(before, tombstone, [...TRACKED_USER_ATTRIBUTES]),
    ...(restoredGroups.length > 0 ? [{ attribute: 'groups', old: null, new: restoredGroups }] : []),
  ];
  await recordEvent(em, scope, {
    type: 'USER_RESTORED',
    subjectType: 'USER',
    subjectId: tombstone.id,
    summary: `User ${tombstone.userName} restored (${how})`,
    changes,
  });
  return tombstone;
}
