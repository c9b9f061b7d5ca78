import type { EntityManager } from '@mikro-orm/postgresql';
import { recordEvent } from '../events/event-recorder';
import type { Scope } from '../shared/scope';
import { accessOfUsers } from './access-query';
import { sameAccess, type EffectiveAccess } from './access-rules';

const CHUNK = 1000;

/** A short, stable description of what an access allows (for the old → new of ACCESS_CHANGED). */
export function describeAccess(access: EffectiveAccess | undefined) {
  if (!access) return null;
  return { globalLevel: access.globalLevel, teams: access.teams.map((t) => ({ team: t.teamName, level: t.level })) };
}

/**
 * Records ACCESS_CHANGED, in the running transaction, for each of `userIds` whose effective access differs
 * between `before` (computed before the change) and now. Both sides come from the same query, so a change
 * to memberships, mappings or activation is reflected the moment it is written.
 */
export async function recordAccessChanges(
  em: EntityManager,
  scope: Scope,
  userIds: string[],
  before: Map<string, EffectiveAccess>,
  reason: string,
): Promise<number> {
  let changed = 0;
  for (let i = 0; i < userIds.length; i += CHUNK) {
    const chunk = userIds.slice(i, i + CHUNK);
    const after = await accessOfUsers(em, scope.tenantId, chunk);
    for (const userId of chunk) {
      const old = before.get(userId);
      const now = after.get(userId);
      if (!old || !now || sameAccess(old, now)) continue;
      changed += 1;
      await recordEvent(em, scope, {
        type: 'ACCESS_CHANGED',
        subjectType: 'USER',
        subjectId: userId,
        summary: `Access changed: ${reason}`,
        changes: [{ attribute: 'access', old: describeAccess(old), new: describeAccess(now) }],
      });
    }
  }
  return changed;
}

/** Access of many users, computed in chunks (group deletions can touch every member). */
export async function accessBefore(em: EntityManager, scope: Scope, userIds: string[]): Promise<Map<string, EffectiveAccess>> {
  const all = new Map<string, EffectiveAccess>();
  for (let i = 0; i < userIds.length; i += CHUNK) {
    for (const [id, access] of await accessOfUsers(em, scope.tenantId, userIds.slice(i, i + CHUNK))) all.set(id, access);
  }
  return all;
}
