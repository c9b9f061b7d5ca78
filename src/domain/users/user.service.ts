import { LRUCache } from 'lru-cache';
import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { recordEvent, type EventInput } from '../events/event-recorder';
import type { AttributeChange } from '../events/provisioning-event.entity';
import { userRepository } from './user.repository';
import { IdpGroup } from '../groups/idp-group.entity';
import { requireDirectoryAccess } from '../shared/authorize';
import { diffAttributes } from '../shared/changes';
import { DomainError, notFound } from '../shared/domain-error';
import { decodeCursor, pageSize, toPage, type Page, type PageArgs } from '../shared/pagination';
import type { Scope } from '../shared/scope';
import { recordAccessChanges } from '../access/access-changes';
import { accessOfUsers } from '../access/access-query';
import type { SqlClient } from '../shared/sql-client';
import { isUuid } from '../shared/sql';
import { checkVersion, type WriteCondition } from '../shared/versioning';
import type { UnitOfWork } from '../shared/unit-of-work';
import { conflictOnDuplicate, parseInput, stripNulls } from '../shared/validate';
import type { DirectorySearch, SearchResult } from '../directory/attribute-filter';
import { User, type UserSource, type UserVersion } from './user.entity';
import { TRACKED_USER_ATTRIBUTES, userAttributesRule, userFilterRule, type UserAttributes } from './user-rules';
import { pickAttributes, withDefaults } from './user-values';
import { DEFAULT_DEPROVISIONING_POLICY, type DeprovisioningPolicy } from './deprovisioning-policy';
import { detectDeprovisioningBurst, WindowDeprovisionings, WindowUserCounts } from './deprovisioning-burst';
import { RecentUsers } from './recent-users';
import { isLiveUserPage, KEY_STRIDE, LiveUserOrders, pageStart, type KnownOrder, type UserPageKey } from './live-user-order';
import { userPagesRepository, type LiveUserCount } from './user-pages.repository';
import { buryUser, lockTombstone, lockTombstoneOf, recordLostAccess, reviveUser } from './user-tombstones';
import { requireLevel } from '../shared/authorize';
import type { CallContext } from '../shared/scope';

/** Reads one page of live users after a key (a statement of `userPagesRepository`). */
type LivePageReader<T> = (sql: SqlClient, tenantId: string, after: UserPageKey, skip: number, size: number) => Promise<LiveUserCount & { items: T[] }>;

export interface UserFilter {
  userName?: string | null;
  active?: boolean | null;
  search?: string | null;
}

/** A user's groups are listed up to this many, by display name. */
export const MAX_GROUPS_LISTED_PER_USER = 1000;

/** A tenant's live users are summed from at most about this many change rows (see `live_user_counts`). */
const FOLD_COUNTS_OVER = 200;
/** Every this many arrivals and departures of a tenant's live users, the process that committed them folds the rows. */
export const FOLD_COUNTS_AFTER_CHANGES = 500;
/** How long after a fold its deleted rows are vacuumed: longer than a page's statement takes. */
const VACUUM_COUNTS_AFTER_MS = 500;

const duplicateUserName = (userName: string) => `A user with userName "${userName}" already exists`;

/** The directory's users: provisioned by SCIM, JIT sign-in or by hand; read by every transport. */
export class UserService {
  /** Users at each tenant's burst window start, as last counted (burst detection). */
  private readonly windowUsers = new WindowUserCounts();
  /** Users deprovisioned within the hour in each tenant, as last read (burst detection). */
  private readonly windowDeprovisionings = new WindowDeprovisionings();
  /** Users as this process last read or wrote them: where a change of attributes starts (see RecentUsers). */
  private readonly recentUsers = new RecentUsers();
  /** Where each stride of a tenant's live users starts, as this process last learnt it (unfiltered SCIM pages). */
  private readonly liveOrders = new LiveUserOrders();
  /** Tenants whose change rows this process is folding. */
  private readonly foldsUnderWay = new Set<string>();
  /** Arrivals and departures of live users this process committed in each tenant since it last folded them. */
  private readonly changesSinceFold = new LRUCache<string, number>({ max: 10_000 });
  private countsVacuum: NodeJS.Timeout | undefined;

  constructor(
    private readonly uow: UnitOfWork,
    private readonly policy: DeprovisioningPolicy = DEFAULT_DEPROVISIONING_POLICY,
  ) {}

  async get(scope: Scope, id: string): Promise<User> {
    this.requireReader(scope, id);
    const user = await userRepository.findLive(this.uow.sql, scope.tenantId, id);
    if (!user) throw notFound('User');
    this.recentUsers.remember(user);
    return user;
  }

  async list(scope: Scope, args: PageArgs & { filter?: UserFilter | null }): Promise<Page<User>> {
    requireDirectoryAccess(scope, 'read');
    const size = pageSize(args.first);
    const after = decodeCursor(args.after, 1);
    const filter = parseInput(userFilterRule, stripNulls(args.filter ?? {}));
    // Every live user: the total from live_user_counts, as SCIM's unfiltered pages take it, rather than a count
    // of the tenant's index (9 of the 16 ms of the console's first page at 100,000 users, `npm run bench -- users-list`).
    const unfiltered = filter.userName === undefined && filter.active === undefined && !filter.search;
    return this.uow.read(async (em) => {
      const [{ users, count }, live] = await Promise.all([
        userRepository.listPage(em, scope.tenantId, filter, after ? String(after[0]) : null, size, { counted: !unfiltered }),
        unfiltered ? userPagesRepository.count(this.uow.sql, scope.tenantId) : undefined,
      ]);
      if (live) await this.foldCountsWhenMany(scope.tenantId, live.changeRows);
      return toPage(users, size, live?.total ?? count ?? 0, (u) => [u.userName.toLowerCase()]);
    });
  }

  /** A SCIM-style search: filter translated to SQL, true total, 1-based paging. */
  async search(scope: Scope, search: DirectorySearch): Promise<SearchResult<User>> {
    requireDirectoryAccess(scope, 'read');
    if (isLiveUserPage(search)) return this.livePage(scope.tenantId, search, userPagesRepository.page);
    const found = await userRepository.search(this.uow.sql, scope.tenantId, search);
    // Entra looks a user up (`userName eq`) before it changes it.
    if (found.items.length === 1) this.recentUsers.remember(found.items[0]);
    return found;
  }

  /**
   * The page `search` finds, each user only by what decides its SCIM document: for a renderer that remembers
   * documents, to know which it has. Only for a page of live users by creation (`isLiveUserPage`).
   */
  async searchVersions(scope: Scope, search: DirectorySearch): Promise<SearchResult<UserVersion>> {
    requireDirectoryAccess(scope, 'read');
    if (!isLiveUserPage(search)) throw new DomainError('BAD_USER_INPUT', 'Only a page without a filter or an order is read by versions');
    return this.livePage(scope.tenantId, search, userPagesRepository.pageVersions);
  }

  /**
   * A page of the tenant's live users by creation, as SCIM lists them without a filter: the total from
   * `live_user_counts` rather than a count of every user, and the page found from the remembered key nearest
   * before it rather than by walking to its offset. The page's statement says which version of the live users it
   * read; a remembered order of another version is learnt again (or, for a tenant that keeps changing, the page
   * walks to its offset), so a page is always exactly the one at its offset in its own snapshot.
   */
  private async livePage<T>(tenantId: string, search: DirectorySearch, reader: LivePageReader<T>): Promise<SearchResult<T>> {
    const sql = this.uow.sql;
    const offset = Math.max(0, search.startIndex - 1);
    const size = Math.max(0, search.count);
    if (size === 0) {
      const { total, changeRows } = await userPagesRepository.count(sql, tenantId);
      await this.foldCountsWhenMany(tenantId, changeRows);
      return { totalResults: total, items: [] };
    }
    const read = (keys: KnownOrder['keys']) => {
      const { after, skip } = pageStart(offset, keys);
      return reader(sql, tenantId, after, skip, size);
    };
    const learn = () => this.liveOrders.learn(tenantId, () => userPagesRepository.strideKeys(sql, tenantId, KEY_STRIDE));
    let page;
    if (offset < KEY_STRIDE) {
      page = await read([]);
    } else {
      let order = this.liveOrders.get(tenantId) ?? (await learn());
      page = await read(order.keys);
      if (page.version !== order.version && this.liveOrders.mayRelearn(tenantId)) {
        order = await learn();
        page = await read(order.keys);
      }
      // Changed again in between: walked to the offset instead.
      if (page.version !== order.version) page = await read([]);
    }
    await this.foldCountsWhenMany(tenantId, page.changeRows);
    return { totalResults: page.total, items: page.items };
  }

  /** A page that summed more than FOLD_COUNTS_OVER change rows folds them (another process wrote them). */
  private async foldCountsWhenMany(tenantId: string, changeRows: number): Promise<void> {
    if (changeRows > FOLD_COUNTS_OVER) await this.foldCounts(tenantId);
  }

  /**
   * A user arrived or left (committed): every FOLD_COUNTS_AFTER_CHANGES of them in this process, the tenant's
   * change rows are folded, so that the first pages after a load (Entra's initial cycle) sum a few hundred rows
   * rather than every arrival, and find no thousands of rows deleted by their own fold. The change is committed
   * whatever becomes of the fold: a failed one is left to the next.
   */
  private async liveUsersChanged(tenantId: string): Promise<void> {
    const changes = (this.changesSinceFold.get(tenantId) ?? 0) + 1;
    if (changes < FOLD_COUNTS_AFTER_CHANGES) {
      this.changesSinceFold.set(tenantId, changes);
      return;
    }
    this.changesSinceFold.delete(tenantId);
    await this.foldCounts(tenantId).catch(() => {});
  }

  /**
   * Folds the tenant's change rows into one, one fold per tenant at a time in this process (another would wait on
   * its row locks only to find nothing left to fold).
   */
  private async foldCounts(tenantId: string): Promise<void> {
    if (this.foldsUnderWay.has(tenantId)) return;
    this.foldsUnderWay.add(tenantId);
    try {
      await userPagesRepository.fold(this.uow.sql, tenantId);
    } finally {
      this.foldsUnderWay.delete(tenantId);
    }
    this.vacuumCountsSoon();
  }

  /**
   * The rows a fold deleted are vacuumed a little later, once no statement that began before the fold still
   * sees them (VACUUM keeps what any snapshot may see: at once, the pages being read beside the fold's would keep
   * them all). One vacuum pending per process, which never keeps it running. A failed vacuum costs only time:
   * the next fold schedules another, and autovacuum gets there too.
   */
  private vacuumCountsSoon(): void {
    if (this.countsVacuum) return;
    this.countsVacuum = setTimeout(() => {
      this.countsVacuum = undefined;
      userPagesRepository.vacuum(this.uow.sql).catch(() => {});
    }, VACUUM_COUNTS_AFTER_MS);
    this.countsVacuum.unref();
  }

  /** The groups of each user (by display name, at most MAX_GROUPS_LISTED_PER_USER each), in one query. */
  async groupsOfUsers(scope: Scope, userIds: string[]): Promise<Map<string, IdpGroup[]>> {
    if (!userIds.every((id) => this.isSelf(scope, id))) requireDirectoryAccess(scope, 'read');
    return userRepository.groupsOf(this.uow.sql, scope.tenantId, userIds, MAX_GROUPS_LISTED_PER_USER);
  }

  /** The groups a user belongs to, by display name. */
  async groupsOf(scope: Scope, userId: string): Promise<IdpGroup[]> {
    return (await this.groupsOfUsers(scope, [userId])).get(userId) ?? [];
  }

  /**
   * Creates a user; when a tombstone of this tenant has the same externalId and userName (the same person,
   * deleted by mistake and provisioned again), that row comes back instead, with the same id.
   */
  async provision(scope: Scope, input: UserAttributes, source: UserSource): Promise<User> {
    requireDirectoryAccess(scope, 'write');
    const attributes = parseInput(userAttributesRule, input);
    const provisioned = await conflictOnDuplicate(async () => {
      // The common case in one statement: the user and USER_CREATED, unless a tombstone of the same person waits.
      const user = newUser(scope, attributes, source);
      const inserted = await this.uow.writeStatement((sql) => userRepository.insertWithEvents(sql, scope, user, [createdEvent(user)]));
      if (inserted) {
        this.recentUsers.remember(user);
        return user;
      }
      return this.uow.write(async (em) => {
        const sql = this.uow.sqlOf(em);
        const tombstone = attributes.externalId ? await lockTombstoneOf(sql, scope, attributes.externalId, attributes.userName) : null;
        if (tombstone) return reviveUser(em, sql, scope, tombstone, attributes, source, 'provisioned again');
        return insertUser(em, scope, attributes, source);
      });
    }, duplicateUserName(attributes.userName));
    await this.liveUsersChanged(scope.tenantId);
    return provisioned;
  }

  /** A page of the tenant's tombstones, most recently deleted first (administrators only). */
  async listDeleted(scope: Scope, args: PageArgs): Promise<Page<User>> {
    requireLevel(scope, 'ADMINISTRATOR');
    const size = pageSize(args.first);
    const after = decodeCursor(args.after, 2);
    if (after && (Number.isNaN(Date.parse(String(after[0]))) || !isUuid(String(after[1])))) {
      throw new DomainError('BAD_USER_INPUT', 'after is not a cursor this list gave out', { argument: 'after' });
    }
    return this.uow.read(async (em) => {
      const { users, count } = await userRepository.deletedPage(em, scope.tenantId, after ? [String(after[0]), String(after[1])] : null, size);
      return toPage(users, size, count, (u) => [u.deletedAt!.toISOString(), u.id]);
    });
  }

  /** Brings a tombstone back, active, with the same id and the groups it had (administrators only). */
  async restore(scope: Scope, id: string): Promise<User> {
    requireLevel(scope, 'ADMINISTRATOR');
    const restored = await conflictOnDuplicate(
      () =>
        this.uow.write(async (em) => {
          const sql = this.uow.sqlOf(em);
          const tombstone = await lockTombstone(sql, scope, id);
          if (!tombstone) throw notFound('Deleted user');
          return reviveUser(em, sql, scope, tombstone, { ...pickAttributes(tombstone), active: true }, tombstone.source, 'by an administrator');
        }),
      'Another user took this userName since the deletion',
    );
    await this.liveUsersChanged(scope.tenantId);
    return restored;
  }

  /**
   * Hard-deletes tombstones deleted before `olderThan`, in batches, each purge with its USER_PURGED event;
   * several processes may run it at once (locked rows are skipped). Returns how many were purged.
   */
  async purgeDeleted(ctx: CallContext, olderThan: Date, batchSize = 500): Promise<number> {
    if (ctx.actor.kind !== 'SYSTEM') throw new DomainError('FORBIDDEN', 'Only the system purges deleted users');
    batchSize = Math.max(1, Math.floor(batchSize));
    let total = 0;
    for (;;) {
      const purged = await this.uow.write(async (em) => {
        // Memberships are already gone; sessions go with the row (ON DELETE CASCADE).
        const rows = await userRepository.purgeTombstones(em, olderThan, batchSize);
        for (const row of rows) {
          await recordEvent(em, { ...ctx, tenantId: row.tenant_id }, {
            type: 'USER_PURGED',
            subjectType: 'USER',
            subjectId: row.id,
            summary: `Deleted user ${row.user_name} purged after the retention period`,
            changes: [{ attribute: 'id', old: row.id, new: null }],
          });
        }
        return rows.length;
      });
      total += purged;
      if (purged < batchSize) return total;
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  /** Replaces every modeled attribute (SCIM PUT): what is not given is cleared. */
  async replace(scope: Scope, id: string, input: UserAttributes, condition: WriteCondition = {}): Promise<User> {
    const attributes = parseInput(userAttributesRule, input);
    return this.change(scope, id, condition, (user) => Object.assign(user, withDefaults(attributes)));
  }

  /**
   * Replaces the attributes with what `transform` makes of the current ones, inside the transaction that
   * holds the row: a SCIM PATCH is applied to exactly the state it replaces, all or nothing.
   */
  async modify(scope: Scope, id: string, transform: (current: Readonly<User>) => UserAttributes, condition: WriteCondition = {}): Promise<User> {
    return this.change(scope, id, condition, (user) => Object.assign(user, withDefaults(parseInput(userAttributesRule, transform(user)))));
  }

  /** Changes only the given attributes (SCIM PATCH after normalisation, GraphQL edits). */
  async update(scope: Scope, id: string, patch: Partial<UserAttributes>, condition: WriteCondition = {}): Promise<User> {
    return this.change(scope, id, condition, (user) => {
      const merged = parseInput(userAttributesRule, { ...pickAttributes(user), ...patch });
      Object.assign(user, withDefaults(merged));
    });
  }

  /**
   * Deletes a user: access and sessions end at once. With a retention period the row stays as a tombstone
   * (see buryUser); with none it goes, memberships and sessions with it (ON DELETE CASCADE).
   */
  async delete(scope: Scope, id: string, condition: WriteCondition = {}): Promise<void> {
    requireDirectoryAccess(scope, 'write');
    this.recentUsers.forget(scope.tenantId, id);
    let burst = false;
    await this.uow.write(async (em) => {
      burst = false;
      const sql = this.uow.sqlOf(em);
      const user = await userRepository.findLive(sql, scope.tenantId, id, { lock: true });
      if (!user) throw notFound('User');
      checkVersion(user, condition);
      if (this.policy.retentionDays > 0) {
        await buryUser(em, sql, scope, user);
      } else {
        const before = await accessOfUsers(em, scope.tenantId, [user.id]);
        await userRepository.deleteWithEvent(sql, scope, user);
        await recordLostAccess(em, scope, user.id, before, 'user deleted');
      }
      burst = await detectDeprovisioningBurst(em, this.uow.sqlOf(em), scope, this.policy, this.windowUsers, this.windowDeprovisionings);
    });
    if (burst) this.policy.onMassDeprovisioning?.(scope.tenantId);
    await this.liveUsersChanged(scope.tenantId);
  }

  private async change(scope: Scope, id: string, condition: WriteCondition, apply: (user: User) => void): Promise<User> {
    requireDirectoryAccess(scope, 'write');
    const changed = await conflictOnDuplicate(() => this.changeAttributes(scope, id, condition, apply), 'Another user already has that userName');
    return changed ?? this.changeLocked(scope, id, condition, apply);
  }

  /**
   * A change of attributes other than `active`, optimistically: the change computed on the user as this process
   * last saw it, or else as read without a lock, then written with its event in one statement only if the row is
   * still at the version it was computed on (else read again). Undefined when the change (de)activates the user,
   * or the row kept moving: then `changeLocked` does it in a transaction.
   */
  private async changeAttributes(scope: Scope, id: string, condition: WriteCondition, apply: (user: User) => void): Promise<User | undefined> {
    const recalled = this.recentUsers.recall(scope.tenantId, id);
    if (recalled) {
      // Only a write settles it (the row was still at the remembered version), or a (de)activation, which
      // changeLocked reads again under its lock. Nothing to change, or a refusal, may come from a stale copy: the
      // row as read decides those.
      const outcome = await this.changeFrom(scope, recalled, condition, apply, { guessed: true });
      if (outcome === 'written') return recalled;
      if (outcome === 'activation') return undefined;
      this.recentUsers.forget(scope.tenantId, id);
    }
    for (let attempt = 0; attempt < OPTIMISTIC_ATTEMPTS; attempt += 1) {
      const user = await userRepository.findLive(this.uow.sql, scope.tenantId, id);
      if (!user) throw notFound('User');
      const outcome = await this.changeFrom(scope, user, condition, apply);
      if (outcome === 'written') return user;
      if (outcome === 'unchanged') {
        this.recentUsers.remember(user);
        return user;
      }
      if (outcome === 'activation') return undefined;
    }
    return undefined;
  }

  /**
   * Applies the change to `user` and, unless it changes nothing or (de)activates the user, writes it if the row is
   * still at the version `user` had. `user` is remembered as written. When the change refuses a `guessed` user (as
   * remembered), it is 'moved': the refusal may be the stale copy's.
   */
  private async changeFrom(
    scope: Scope,
    user: User,
    condition: WriteCondition,
    apply: (user: User) => void,
    { guessed = false } = {},
  ): Promise<'written' | 'unchanged' | 'activation' | 'moved'> {
    let computed: ReturnType<typeof changeOf>;
    try {
      computed = changeOf(user, condition, apply);
    } catch (error) {
      if (guessed) return 'moved';
      throw error;
    }
    const { wasActive, changes } = computed;
    if (changes.length === 0) return 'unchanged';
    if (wasActive !== user.active) return 'activation';
    const written = await this.uow.writeStatement((sql) => userRepository.updateWithEvents(sql, scope, user, [updatedEvent(user, changes)]));
    if (!written) return 'moved';
    this.recentUsers.remember(user);
    return 'written';
  }

  private async changeLocked(scope: Scope, id: string, condition: WriteCondition, apply: (user: User) => void): Promise<User> {
    let burst = false;
    const changed = await conflictOnDuplicate(
      () =>
        this.uow.write(async (em) => {
          burst = false;
          const sql = this.uow.sqlOf(em);
          const user = await userRepository.findLive(sql, scope.tenantId, id, { lock: true });
          if (!user) throw notFound('User');
          const { wasActive, changes } = changeOf(user, condition, apply);
          if (changes.length === 0) return user;
          await this.writeUserChange(em, scope, user, wasActive, changes);
          if (wasActive && !user.active) burst = await detectDeprovisioningBurst(em, this.uow.sqlOf(em), scope, this.policy, this.windowUsers, this.windowDeprovisionings);
          return user;
        }),
      'Another user already has that userName',
    );
    if (burst) this.policy.onMassDeprovisioning?.(scope.tenantId);
    this.recentUsers.remember(changed);
    return changed;
  }

  /**
   * Writes a locked user's change with its events in one statement; a (de)activation also ends the sessions
   * (deactivated: a deactivated user has none) and records the ACCESS_CHANGED it causes.
   */
  private async writeUserChange(em: EntityManager, scope: Scope, user: User, wasActive: boolean, changes: AttributeChange[]): Promise<void> {
    const others = changes.filter((c) => c.attribute !== 'active');
    const events = others.length > 0 ? [updatedEvent(user, others)] : [];
    if (wasActive === user.active) {
      await userRepository.updateWithEvents(this.uow.sqlOf(em), scope, user, events);
      return;
    }
    // The access before, from the row as it is until this change is written.
    const before = await accessOfUsers(em, scope.tenantId, [user.id]);
    events.push({
      type: user.active ? 'USER_REACTIVATED' : 'USER_DEACTIVATED',
      subjectType: 'USER',
      subjectId: user.id,
      summary: `User ${user.userName} ${user.active ? 'reactivated' : 'deactivated'}`,
      changes: [{ attribute: 'active', old: wasActive, new: user.active }],
    });
    await userRepository.updateWithEvents(this.uow.sqlOf(em), scope, user, events, { endSessions: !user.active });
    if (user.active) await recordAccessChanges(em, scope, [user.id], before, 'user reactivated');
    else await recordLostAccess(em, scope, user.id, before, 'user deactivated');
  }

  /** Anyone signed in may read their own profile; the directory needs VIEWER. */
  private requireReader(scope: Scope, userId: string): void {
    if (!this.isSelf(scope, userId)) requireDirectoryAccess(scope, 'read');
  }

  private isSelf(scope: Scope, userId: string): boolean {
    return scope.actor.kind === 'USER' && scope.actor.id === userId && scope.actor.tenantId === scope.tenantId;
  }
}

/**
 * Creates a user from validated attributes with its USER_CREATED event, in the transaction of `em`: SCIM
 * provisioning and SAML just-in-time creation both come here.
 */
export async function insertUser(em: EntityManager, scope: Scope, attributes: UserAttributes, source: UserSource): Promise<User> {
  const user = newUser(scope, attributes, source);
  await userRepository.insert(em, user);
  await recordEvent(em, scope, createdEvent(user));
  return user;
}

/** Applies `apply` to `user` after the If-Match check; when anything changed, the next version. */
function changeOf(user: User, condition: WriteCondition, apply: (user: User) => void): { wasActive: boolean; changes: AttributeChange[] } {
  checkVersion(user, condition);
  const before = { ...user };
  apply(user);
  const changes = diffAttributes(before, user, [...TRACKED_USER_ATTRIBUTES]);
  if (changes.length > 0) {
    user.version += 1;
    user.updatedAt = new Date();
  }
  return { wasActive: before.active, changes };
}

/**
 * A new user with the entity's initial values, as a plain object: `new User()` runs the ORM's property accessors
 * for each of its 40 properties, a tenth of the CPU of a SCIM POST.
 */
function newUser(scope: Scope, attributes: UserAttributes, source: UserSource): User {
  const now = new Date();
  const user: Omit<User, 'searchText'> = {
    id: randomUUID(),
    tenantId: scope.tenantId,
    ...withDefaults(attributes),
    source,
    photoEtag: null,
    idpObjectId: null,
    version: 1,
    createdAt: now,
    updatedAt: now,
    deletedAt: null,
    deletedGroupIds: [],
  };
  return user as User;
}

const createdEvent = (user: User): EventInput => ({
  type: 'USER_CREATED',
  subjectType: 'USER',
  subjectId: user.id,
  summary: `User ${user.userName} created`,
  changes: diffAttributes(null, user, [...TRACKED_USER_ATTRIBUTES]),
});

/** USER_UPDATED for changes other than `active` (which has events of its own). */
const updatedEvent = (user: User, changes: AttributeChange[]): EventInput => ({
  type: 'USER_UPDATED',
  subjectType: 'USER',
  subjectId: user.id,
  summary: `User ${user.userName} updated: ${changes.map((c) => c.attribute).join(', ')}`,
  changes,
});

/** How often an optimistic change reads again after a concurrent change of the same user, before it takes the lock. */
const OPTIMISTIC_ATTEMPTS = 3;

/** A live user of the scope's tenant (a tombstone is no user: null, like an unknown id). */
export const findUser = (sql: SqlClient, scope: Scope, id: string): Promise<User | null> => userRepository.findLive(sql, scope.tenantId, id);
