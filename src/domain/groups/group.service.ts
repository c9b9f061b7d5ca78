import type { EntityManager } from '@mikro-orm/postgresql';
import { recordEvent } from '../events/event-recorder';
import { requireDirectoryAccess } from '../shared/authorize';
import { diffAttributes } from '../shared/changes';
import { DomainError, notFound } from '../shared/domain-error';
import { decodeCursor, pageSize, toPage, type Page, type PageArgs } from '../shared/pagination';
import type { Scope } from '../shared/scope';
import { isUuid } from '../shared/sql';
import type { UnitOfWork } from '../shared/unit-of-work';
import type { SqlClient } from '../shared/sql-client';
import { conflictOnDuplicate, parseInput, stripNulls } from '../shared/validate';
import { checkVersion, type WriteCondition } from '../shared/versioning';
import { User } from '../users/user.entity';
import { groupAttributesRule, groupFilterRule, memberIdsRule, type GroupAttributes, type GroupFilter } from './group-rules';
import { accessBefore, recordAccessChanges } from '../access/access-changes';
import { IdpGroup } from './idp-group.entity';
import type { DirectorySearch, SearchResult } from '../directory/attribute-filter';
import { groupRepository } from './group.repository';
import { accessRepository } from '../access/access.repository';

const duplicateName = (name: string) => `A group with displayName "${name}" already exists`;

/** A member as a group lists it. */
export interface MemberRef {
  id: string;
  /** The member's displayName (null when the user has none), read in the same query as the membership. */
  display: string | null;
}

export interface GroupWithMembers {
  group: IdpGroup;
  /** Null when members were not asked for (and not loaded). */
  members: MemberRef[] | null;
}

/** What one SCIM PATCH or PUT changes on a group. */
export interface GroupChanges {
  attributes?: Partial<GroupAttributes>;
  /** New attributes computed from the locked current group (a PATCH applied to exactly what it changes). */
  attributesFrom?: (current: Readonly<IdpGroup>) => GroupAttributes;
  add?: string[];
  remove?: string[];
  /** The complete new member list (PUT, or PATCH replace of members). */
  replaceMembers?: string[];
}

/** IdP groups and their members. Membership changes are set operations in SQL, never a loop of inserts. */
export class GroupService {
  constructor(private readonly uow: UnitOfWork) {}

  async get(scope: Scope, id: string): Promise<IdpGroup> {
    requireDirectoryAccess(scope, 'read');
    const group = await groupRepository.findById(this.uow.sql, scope.tenantId, id);
    if (!group) throw notFound('Group');
    return group;
  }

  /**
   * A page of the tenant's groups by display name (case-insensitive). `search` keeps those whose display name
   * contains it, in any case (its `%`, `_` and `\` match themselves); `totalCount` counts what the filter keeps.
   */
  async list(scope: Scope, args: PageArgs & { filter?: { [K in keyof GroupFilter]?: GroupFilter[K] | null } | null }): Promise<Page<IdpGroup>> {
    requireDirectoryAccess(scope, 'read');
    const size = pageSize(args.first);
    const after = decodeCursor(args.after, 1);
    const filter = parseInput(groupFilterRule, stripNulls(args.filter ?? {}));
    return this.uow.read(async (em) => {
      const { groups, count } = await groupRepository.listPage(em, scope.tenantId, filter.search, after ? String(after[0]) : null, size);
      return toPage(groups, size, count, (g) => [g.displayName.toLowerCase()]);
    });
  }

  /** A page of a group's members, by userName; never loads the whole membership. */
  async members(scope: Scope, groupId: string, args: PageArgs): Promise<Page<User>> {
    requireDirectoryAccess(scope, 'read');
    const size = pageSize(args.first);
    const after = decodeCursor(args.after, 1);
    if (!(await groupRepository.findById(this.uow.sql, scope.tenantId, groupId))) throw notFound('Group');
    return this.uow.read(async (em) => {
      const { users, count } = await groupRepository.membersPage(em, scope.tenantId, groupId, after ? String(after[0]) : null, size);
      return toPage(users, size, count, (u) => [u.userName.toLowerCase()]);
    });
  }

  async create(scope: Scope, input: GroupAttributes, memberIds: string[] = []): Promise<IdpGroup> {
    requireDirectoryAccess(scope, 'write');
    const attributes = parseInput(groupAttributesRule, input);
    const members = parseInput(memberIdsRule, memberIds);
    return conflictOnDuplicate(
      () =>
        this.uow.write(async (em) => {
          const group = em.create(IdpGroup, {
            tenantId: scope.tenantId,
            displayName: attributes.displayName,
            externalId: attributes.externalId ?? null,
            extensions: attributes.extensions ?? {},
          });
          await recordEvent(em, scope, {
            type: 'GROUP_CREATED',
            subjectType: 'GROUP',
            subjectId: group.id,
            summary: `Group ${group.displayName} created`,
            changes: diffAttributes(null, group, ['displayName', 'externalId']),
          });
          if (members.length > 0) {
            await em.flush();
            await addMembersIn(em, scope, group, members);
          }
          return group;
        }),
      duplicateName(attributes.displayName),
    );
  }

  /** Several groups by id (missing ones are left out). */
  async getMany(scope: Scope, ids: string[]): Promise<IdpGroup[]> {
    requireDirectoryAccess(scope, 'read');
    const valid = [...new Set(ids)].filter(isUuid);
    if (valid.length === 0) return [];
    return this.uow.read((em) => groupRepository.findMany(em, scope.tenantId, valid));
  }

  /** A SCIM-style search; members are loaded only when asked for (Entra excludes them on every read). */
  async search(scope: Scope, search: DirectorySearch, options: { members: boolean }): Promise<SearchResult<GroupWithMembers>> {
    requireDirectoryAccess(scope, 'read');
    const { totalResults, items: groups } = await groupRepository.search(this.uow.sql, scope.tenantId, search);
    const members = options.members ? await membersOf(this.uow.sql, scope.tenantId, groups.map((g) => g.id), MAX_LISTED_MEMBERS) : null;
    return { totalResults, items: groups.map((group) => ({ group, members: members?.get(group.id) ?? (members ? [] : null) })) };
  }

  /** One group, with all its members when asked for. */
  async getWithMembers(scope: Scope, id: string, options: { members: boolean }): Promise<GroupWithMembers> {
    requireDirectoryAccess(scope, 'read');
    const group = await groupRepository.findById(this.uow.sql, scope.tenantId, id);
    if (!group) throw notFound('Group');
    const members = options.members ? ((await membersOf(this.uow.sql, scope.tenantId, [group.id])).get(group.id) ?? []) : null;
    return { group, members };
  }

  /** Changes the group's own attributes (not its members). */
  async update(scope: Scope, id: string, patch: Partial<GroupAttributes>, condition: WriteCondition = {}): Promise<IdpGroup> {
    return this.change(scope, id, { attributes: patch }, condition);
  }

  /** Adds members in one statement; ids already members are left alone. Returns how many were added. */
  async addMembers(scope: Scope, groupId: string, userIds: string[], condition: WriteCondition = {}): Promise<number> {
    let added = 0;
    await this.change(scope, groupId, { add: userIds }, condition, (counts) => (added = counts.added));
    return added;
  }

  /** Removes exactly the listed members, in one statement. Returns how many were removed. */
  async removeMembers(scope: Scope, groupId: string, userIds: string[], condition: WriteCondition = {}): Promise<number> {
    let removed = 0;
    await this.change(scope, groupId, { remove: userIds }, condition, (counts) => (removed = counts.removed));
    return removed;
  }

  /**
   * Every change a SCIM PATCH or PUT makes to a group, in one transaction holding the group row: its
   * attributes, then a full replacement of the members, then removals, then additions. All or nothing.
   */
  async change(
    scope: Scope,
    id: string,
    changes: GroupChanges,
    condition: WriteCondition = {},
    onCounts?: (counts: { added: number; removed: number }) => void,
  ): Promise<IdpGroup> {
    requireDirectoryAccess(scope, 'write');
    const add = changes.add ? parseInput(memberIdsRule, changes.add) : [];
    const remove = changes.remove ? parseInput(memberIdsRule, changes.remove).filter(isUuid) : [];
    const replacement = changes.replaceMembers ? parseInput(memberIdsRule, changes.replaceMembers) : null;
    const onlyMembers = !changes.attributes && !changes.attributesFrom && !replacement;
    if (onlyMembers && (add.length === 0) !== (remove.length === 0)) {
      const done = await this.changeMembersAtOnce(scope, id, add.length > 0 ? 'add' : 'remove', add.length > 0 ? add : remove, condition);
      if (done) {
        onCounts?.(add.length > 0 ? { added: done.count, removed: 0 } : { added: 0, removed: done.count });
        return done.group;
      }
    }
    return conflictOnDuplicate(
      () =>
        this.uow.write(async (em) => {
          const group = await lockGroup(em, scope, id);
          if (!group) throw notFound('Group');
          checkVersion(group, condition);
          if (changes.attributes) await applyAttributes(em, scope, group, changes.attributes);
          if (changes.attributesFrom) await applyAttributes(em, scope, group, changes.attributesFrom(group));
          let dropped: string[] = [];
          if (replacement) {
            const keep = replacement.filter(isUuid);
            dropped = await groupRepository.memberIdsExcept(em, group.id, keep);
          }
          // Access follows membership at once: when this group's mapping grants something, the members whose
          // access changes get ACCESS_CHANGED in this same transaction.
          const touched = [...new Set([...dropped, ...remove, ...add, ...(replacement ?? [])])].filter(isUuid);
          const mapped = touched.length > 0 && (await accessRepository.groupHasMapping(em, scope.tenantId, group.id));
          if (mapped) {
            // Concurrent membership changes of the same users (in other groups) apply one after the other, so
            // each ACCESS_CHANGED compares against the access the previous one left. Sorted: no deadlock.
            await groupRepository.lockUsers(em, scope.tenantId, touched);
          }
          const before = mapped ? await accessBefore(em, scope, touched) : null;
          let added = 0;
          let removed = 0;
          if (replacement) {
            removed += await removeMembersIn(em, scope, group, dropped);
            added += await addMembersIn(em, scope, group, replacement);
          }
          removed += await removeMembersIn(em, scope, group, remove);
          added += await addMembersIn(em, scope, group, add);
          if (before && added + removed > 0) {
            await recordAccessChanges(em, scope, touched, before, `membership of ${group.displayName} changed`);
          }
          onCounts?.({ added, removed });
          return group;
        }),
      'Another group already has that displayName',
    );
  }

  /**
   * Adds or removes members of a group that grants no access in one statement with its event (Entra's batches
   * of 100): undefined when the group has a permission mapping, whose ACCESS_CHANGED events need the
   * transaction of `change`.
   */
  private async changeMembersAtOnce(
    scope: Scope,
    id: string,
    kind: 'add' | 'remove',
    requested: string[],
    condition: WriteCondition,
  ): Promise<{ group: IdpGroup; count: number } | undefined> {
    const ids = [...new Set(requested)];
    const unknown = ids.filter((userId) => !isUuid(userId));
    if (kind === 'add' && unknown.length > 0) throw unknownUsers(unknown);
    const valid = ids.filter(isUuid);
    const outcome = await this.uow.writeStatement((sql) => groupRepository.changeMembers(sql, scope, kind, id, valid, condition.ifVersion));
    switch (outcome.kind) {
      case 'noGroup':
        throw notFound('Group');
      case 'mapped':
        return undefined;
      case 'versionMismatch':
        checkVersion({ version: outcome.version }, condition);
        return undefined; // not reached: the versions differ
      case 'unknownUsers': {
        const found = new Set(outcome.found);
        throw unknownUsers(valid.filter((userId) => !found.has(userId)));
      }
      case 'done':
        return { group: outcome.group, count: outcome.count };
    }
  }

  async delete(scope: Scope, id: string, condition: WriteCondition = {}): Promise<void> {
    requireDirectoryAccess(scope, 'write');
    await this.uow.write(async (em) => {
      const group = await lockGroup(em, scope, id);
      if (!group) throw notFound('Group');
      checkVersion(group, condition);
      const members = (await accessRepository.groupHasMapping(em, scope.tenantId, group.id))
        ? await groupRepository.memberIdsExcept(em, group.id, [])
        : [];
      const before = await accessBefore(em, scope, members);
      // Memberships and the group's mapping go with it (ON DELETE CASCADE).
      em.remove(group);
      await em.flush();
      await recordAccessChanges(em, scope, members, before, `group ${group.displayName} deleted`);
      await recordEvent(em, scope, {
        type: 'GROUP_DELETED',
        subjectType: 'GROUP',
        subjectId: group.id,
        summary: `Group ${group.displayName} deleted`,
        changes: [{ attribute: 'displayName', old: group.displayName, new: null }],
      });
    });
  }
}

/** The group held until commit, tracked by `em` (its version bump flushes): membership batches of one group apply one after the other. */
const lockGroup = (em: EntityManager, scope: Scope, id: string) => groupRepository.lockTracked(em, scope.tenantId, id);

/** Applies attribute changes to a locked group and records GROUP_UPDATED when anything changed. */
async function applyAttributes(em: EntityManager, scope: Scope, group: IdpGroup, patch: Partial<GroupAttributes>): Promise<void> {
  const attributes = parseInput(groupAttributesRule, {
    displayName: group.displayName,
    externalId: group.externalId,
    extensions: group.extensions,
    ...patch,
  });
  const before = { ...group };
  group.displayName = attributes.displayName;
  group.externalId = attributes.externalId ?? null;
  group.extensions = attributes.extensions ?? {};
  const changes = diffAttributes(before, group, ['displayName', 'externalId', 'extensions']);
  if (changes.length === 0) return;
  bump(group);
  await recordEvent(em, scope, {
    type: 'GROUP_UPDATED',
    subjectType: 'GROUP',
    subjectId: group.id,
    summary: `Group ${group.displayName} updated: ${changes.map((c) => c.attribute).join(', ')}`,
    changes,
  });
}

/**
 * The members a list of groups may carry in all: a page of 1,000 groups of 50,000 members each would be
 * millions of rows for one request. One group read by its id carries all of its members.
 */
export const MAX_LISTED_MEMBERS = 10_000;

/** The members of each group; with `atMost`, refused (never cut short) when there are more in all. */
async function membersOf(sql: SqlClient, tenantId: string, groupIds: string[], atMost?: number): Promise<Map<string, MemberRef[]>> {
  const byGroup = new Map<string, MemberRef[]>();
  if (groupIds.length === 0) return byGroup;
  const rows = await groupRepository.membersOfGroups(sql, tenantId, groupIds, atMost === undefined ? undefined : atMost + 1);
  if (atMost !== undefined && rows.length > atMost) {
    throw new DomainError(
      'BAD_USER_INPUT',
      `These groups have more than ${atMost.toLocaleString('en-US')} members in all: list them with excludedAttributes=members or a smaller count, or read each group by its id`,
      { scimType: 'tooMany' },
    );
  }
  for (const row of rows) {
    const list = byGroup.get(row.group_id) ?? [];
    list.push({ id: row.user_id, display: row.display_name });
    byGroup.set(row.group_id, list);
  }
  return byGroup;
}

const unknownUsers = (unknown: string[]) =>
  new DomainError('BAD_USER_INPUT', `No such user in this tenant: ${unknown.slice(0, 5).join(', ')}`, {
    field: 'members',
    unknown: unknown.slice(0, 50),
  });

function bump(group: IdpGroup): void {
  group.version += 1;
  group.updatedAt = new Date();
}

async function addMembersIn(em: EntityManager, scope: Scope, group: IdpGroup, requested: string[]): Promise<number> {
  const ids = [...new Set(requested)];
  if (ids.length === 0) return 0;
  const unknown = ids.filter((id) => !isUuid(id));
  const known = ids.filter(isUuid);
  if (known.length > 0) {
    // KEY SHARE: a concurrent DELETE of one of these users waits for this transaction instead of
    // invalidating the membership rows it is about to insert.
    const found = await groupRepository.holdLiveUsers(em, scope.tenantId, known);
    const foundIds = new Set(found);
    unknown.push(...known.filter((id) => !foundIds.has(id)));
  }
  if (unknown.length > 0) throw unknownUsers(unknown);
  const added = await groupRepository.insertMembers(em, scope.tenantId, group.id, known);
  if (added.length === 0) return 0;
  bump(group);
  await recordEvent(em, scope, {
    type: 'GROUP_MEMBERS_ADDED',
    subjectType: 'GROUP',
    subjectId: group.id,
    summary: `${added.length} member(s) added to ${group.displayName}`,
    changes: [{ attribute: 'members', old: null, new: added }],
  });
  return added.length;
}

async function removeMembersIn(em: EntityManager, scope: Scope, group: IdpGroup, ids: string[]): Promise<number> {
  if (ids.length === 0) return 0;
  const removed = await groupRepository.deleteMembers(em, scope.tenantId, group.id, [...new Set(ids)]);
  if (removed.length === 0) return 0;
  bump(group);
  await recordEvent(em, scope, {
    type: 'GROUP_MEMBERS_REMOVED',
    subjectType: 'GROUP',
    subjectId: group.id,
    summary: `${removed.length} member(s) removed from ${group.displayName}`,
    changes: [{ attribute: 'members', old: removed, new: null }],
  });
  return removed.length;
}
