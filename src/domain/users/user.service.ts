import type { EntityManager } from '@mikro-orm/postgresql';
import { recordEvent, type EventInput } from '../events/event-recorder';
import type { AttributeChange } from '../events/provisioning-event.entity';
import { userRepository } from './user.repository';
import { IdpGroup } from '../groups/idp-group.entity';
import { Session } from '../sessions/session.entity';
import { requireDirectoryAccess } from '../shared/authorize';
import { diffAttributes } from '../shared/changes';
import { DomainError, notFound } from '../shared/domain-error';
import { decodeCursor, pageSize, toPage, type Page, type PageArgs } from '../shared/pagination';
import type { Scope } from '../shared/scope';
import { recordAccessChanges } from '../access/access-changes';
import { accessOfUsers } from '../access/access-query';
import { insertRow } from '../shared/insert-row';
import { rowById } from '../shared/row-by-id';
import { escapeLike, isUuid } from '../shared/sql';
import { checkVersion, type WriteCondition } from '../shared/versioning';
import type { UnitOfWork } from '../shared/unit-of-work';
import { conflictOnDuplicate, parseInput, stripNulls } from '../shared/validate';
import type { DirectorySearch, SearchResult } from '../directory/attribute-filter';
import { User, type UserSource } from './user.entity';
import { TRACKED_USER_ATTRIBUTES, userAttributesRule, userFilterRule, type UserAttributes } from './user-rules';
import { pickAttributes, withDefaults } from './user-values';
import { DEFAULT_DEPROVISIONING_POLICY, type DeprovisioningPolicy } from './deprovisioning-policy';
import { detectDeprovisioningBurst } from './deprovisioning-burst';
import { buryUser, lockTombstone, lockTombstoneOf, reviveUser } from './user-tombstones';
import { requireLevel } from '../shared/authorize';
import type { CallContext } from '../shared/scope';

export interface UserFilter {
  userName?: string | null;
  active?: boolean | null;
  search?: string | null;
}

/**
 * What `filter.search` matches (ILIKE '%search%' on any of them), as SQL over `users`. Migration 20261201100000
 * stores them in `users.search_text`, each lowercased (but one found whole inside another), joined by
 * SEARCH_TEXT_SEPARATOR: since ILIKE in a UTF-8 database is `lower(text) LIKE lower(pattern)`, `search_text LIKE
 * lower('%x%')` matches the same rows whenever x has no separator in it (no match can span two attributes), and
 * is indexed (pg_trgm) and cheap to check. Change both together.
 */
const SEARCHED_ATTRIBUTES = ['user_name', 'display_name', `concat_ws(' ', given_name, family_name)`, 'emails::text'];
const SEARCH_TEXT_SEPARATOR = '\n';

/**
 * Counts a tenant's users through its indexes, never by scanning the table (which holds every tenant's users):
 * PostgreSQL's default costs (random_page_cost 4, for spinning disks) price reading an index alone above scanning
 * the table as soon as part of it is not marked all-visible since the last vacuum, and then counted 100,000 users
 * in a sequential scan several times slower than `users_tenant_user_name_ci` (unfiltered) or `users_search_cover`
 * (a common substring) answer. Only this statement's transaction is planned so.
 */
async function countByIndex(em: EntityManager, query: Parameters<EntityManager['execute']>[0]): Promise<number> {
  return em.transactional(
    async (tx) => {
      await tx.execute(`select set_config('random_page_cost', '1.1', true), set_config('enable_seqscan', 'off', true)`);
      const [{ count }] = await tx.execute<{ count: string | number }[]>(query);
      return Number(count);
    },
    { readOnly: true },
  );
}

/** A user's groups are listed up to this many, by display name. */
export const MAX_GROUPS_LISTED_PER_USER = 1000;

const duplicateUserName = (userName: string) => `A user with userName "${userName}" already exists`;

/** The directory's users: provisioned by SCIM, JIT sign-in or by hand; read by every transport. */
export class UserService {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly policy: DeprovisioningPolicy = DEFAULT_DEPROVISIONING_POLICY,
  ) {}

  async get(scope: Scope, id: string): Promise<User> {
    this.requireReader(scope, id);
    const user = await userRepository.findLive(this.uow.sql, scope.tenantId, id);
    if (!user) throw notFound('User');
    return user;
  }

  async list(scope: Scope, args: PageArgs & { filter?: UserFilter | null }): Promise<Page<User>> {
    requireDirectoryAccess(scope, 'read');
    const size = pageSize(args.first);
    const after = decodeCursor(args.after, 1);
    const filter = parseInput(userFilterRule, stripNulls(args.filter ?? {}));
    return this.uow.read(async (em) => {
      const knex = em.getKnex();
      const filtered = knex('users').where('tenant_id', scope.tenantId).whereNull('deleted_at');
      if (filter.userName !== undefined) filtered.andWhereRaw('lower(user_name) = lower(?)', [filter.userName]);
      if (filter.active !== undefined) filtered.andWhere('active', filter.active);
      if (filter.search) {
        const like = `%${escapeLike(filter.search)}%`;
        if (filter.search.includes(SEARCH_TEXT_SEPARATOR)) {
          filtered.andWhereRaw(`(${SEARCHED_ATTRIBUTES.map((sql) => `${sql} ilike ?`).join(' or ')})`, SEARCHED_ATTRIBUTES.map(() => like));
        } else {
          filtered.andWhereRaw('search_text like lower(?)', [like]);
        }
      }
      const page = filtered.clone().orderByRaw('lower(user_name) asc').limit(size + 1);
      if (after) page.andWhereRaw('lower(user_name) > ?', [String(after[0])]);
      // A search finds the page's ids first, on the covering index alone: however many users it skips (a name late
      // in the order), no table row is read for them; then their rows.
      const rowsQuery = filter.search
        ? knex('users').select('*').where('tenant_id', scope.tenantId).whereIn('id', page.select('id')).orderByRaw('lower(user_name) asc')
        : page.select('*');
      const [rows, count] = await Promise.all([em.execute(rowsQuery), countByIndex(em, filtered.clone().count({ count: '*' }))]);
      const users = rows.map((row) => em.map(User, row));
      return toPage(users, size, count, (u) => [u.userName.toLowerCase()]);
    });
  }

  /** A SCIM-style search: filter translated to SQL, true total, 1-based paging. */
  async search(scope: Scope, search: DirectorySearch): Promise<SearchResult<User>> {
    requireDirectoryAccess(scope, 'read');
    return userRepository.search(this.uow.sql, scope.tenantId, search);
  }

  /** The groups of each user (id and display name, by display name) in one query: what SCIM lists under `groups`. */
  async groupRefsOf(scope: Scope, userIds: string[]): Promise<Map<string, { id: string; displayName: string }[]>> {
    if (userIds.length === 1) this.requireReader(scope, userIds[0]);
    else requireDirectoryAccess(scope, 'read');
    return userRepository.groupsOf(this.uow.sql, scope.tenantId, userIds, MAX_GROUPS_LISTED_PER_USER);
  }

  /** The groups a user belongs to, by display name. */
  async groupsOf(scope: Scope, userId: string): Promise<IdpGroup[]> {
    this.requireReader(scope, userId);
    return this.uow.read(async (em) => {
      const rows = await em.execute(
        em
          .getKnex()('idp_groups as g')
          .join('group_memberships as m', 'm.group_id', 'g.id')
          .where({ 'm.user_id': userId, 'g.tenant_id': scope.tenantId })
          .select('g.*')
          .orderByRaw('lower(g.display_name)')
          .limit(MAX_GROUPS_LISTED_PER_USER),
      );
      return rows.map((row) => em.map(IdpGroup, row));
    });
  }

  /**
   * Creates a user; when a tombstone of this tenant has the same externalId and userName (the same person,
   * deleted by mistake and provisioned again), that row comes back instead, with the same id.
   */
  async provision(scope: Scope, input: UserAttributes, source: UserSource): Promise<User> {
    requireDirectoryAccess(scope, 'write');
    const attributes = parseInput(userAttributesRule, input);
    return conflictOnDuplicate(async () => {
      // The common case in one statement: the user and USER_CREATED, unless a tombstone of the same person waits.
      const user = newUser(scope, attributes, source);
      const inserted = await this.uow.writeStatement((sql) => userRepository.insertWithEvents(sql, scope, user, [createdEvent(user)]));
      if (inserted) return user;
      return this.uow.write(async (em) => {
        const tombstone = attributes.externalId ? await lockTombstoneOf(em, scope, attributes.externalId, attributes.userName) : null;
        if (tombstone) return reviveUser(em, scope, tombstone, attributes, source, 'provisioned again');
        return insertUser(em, scope, attributes, source);
      });
    }, duplicateUserName(attributes.userName));
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
      const knex = em.getKnex();
      const deleted = knex('users').where('tenant_id', scope.tenantId).whereNotNull('deleted_at');
      const rowsQuery = deleted.clone().select('*').orderBy([{ column: 'deleted_at', order: 'desc' }, { column: 'id', order: 'desc' }]).limit(size + 1);
      if (after) rowsQuery.andWhereRaw('(deleted_at, id) < (?::timestamptz, ?::uuid)', [String(after[0]), String(after[1])]);
      const [rows, [{ count }]] = await Promise.all([em.execute(rowsQuery), em.execute(deleted.clone().count({ count: '*' }))]);
      return toPage(
        rows.map((row) => em.map(User, row)),
        size,
        Number(count),
        (u) => [u.deletedAt!.toISOString(), u.id],
      );
    });
  }

  /** Brings a tombstone back, active, with the same id and the groups it had (administrators only). */
  async restore(scope: Scope, id: string): Promise<User> {
    requireLevel(scope, 'ADMINISTRATOR');
    return conflictOnDuplicate(
      () =>
        this.uow.write(async (em) => {
          const tombstone = await lockTombstone(em, scope, id);
          if (!tombstone) throw notFound('Deleted user');
          return reviveUser(em, scope, tombstone, { ...pickAttributes(tombstone), active: true }, tombstone.source, 'by an administrator');
        }),
      'Another user took this userName since the deletion',
    );
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
        const rows = await em.execute<{ id: string; tenant_id: string; user_name: string }[]>(
          `delete from users where id = any(array(
             select id from users where deleted_at is not null and deleted_at < ?
              order by deleted_at limit ${batchSize} for update skip locked))
           returning id, tenant_id, user_name`,
          [olderThan],
        );
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
    let burst = false;
    await this.uow.write(async (em) => {
      burst = false;
      const user = await lockUser(em, scope, id);
      if (!user) throw notFound('User');
      checkVersion(user, condition);
      if (this.policy.retentionDays > 0) {
        await buryUser(em, scope, user);
      } else {
        em.remove(user);
        await recordEvent(em, scope, {
          type: 'USER_DELETED',
          subjectType: 'USER',
          subjectId: user.id,
          summary: `User ${user.userName} deleted`,
          changes: [{ attribute: 'userName', old: user.userName, new: null }],
        });
      }
      burst = await detectDeprovisioningBurst(em, scope, this.policy);
    });
    if (burst) this.policy.onMassDeprovisioning?.(scope.tenantId);
  }

  private async change(scope: Scope, id: string, condition: WriteCondition, apply: (user: User) => void): Promise<User> {
    requireDirectoryAccess(scope, 'write');
    const changed = await conflictOnDuplicate(() => this.changeAttributes(scope, id, condition, apply), 'Another user already has that userName');
    return changed ?? this.changeLocked(scope, id, condition, apply);
  }

  /**
   * A change of attributes other than `active`, optimistically: the user read without a lock, the change
   * computed, then written with its event in one statement only if the row is still at the version it was
   * computed on (else read again). Undefined when the change (de)activates the user, or the row kept moving:
   * then `changeLocked` does it in a transaction.
   */
  private async changeAttributes(scope: Scope, id: string, condition: WriteCondition, apply: (user: User) => void): Promise<User | undefined> {
    for (let attempt = 0; attempt < OPTIMISTIC_ATTEMPTS; attempt += 1) {
      const user = await userRepository.findLive(this.uow.sql, scope.tenantId, id);
      if (!user) throw notFound('User');
      const { wasActive, changes } = changeOf(user, condition, apply);
      if (changes.length === 0) return user;
      if (wasActive !== user.active) return undefined;
      const written = await this.uow.writeStatement((sql) => userRepository.updateWithEvents(sql, scope, user, [updatedEvent(user, changes)]));
      if (written) return user;
    }
    return undefined;
  }

  private async changeLocked(scope: Scope, id: string, condition: WriteCondition, apply: (user: User) => void): Promise<User> {
    let burst = false;
    const changed = await conflictOnDuplicate(
      () =>
        this.uow.write(async (em) => {
          burst = false;
          const user = await lockUser(em, scope, id);
          if (!user) throw notFound('User');
          const { wasActive, changes } = changeOf(user, condition, apply);
          if (changes.length === 0) return user;
          await this.recordUserChange(em, scope, user, wasActive, changes);
          if (wasActive && !user.active) burst = await detectDeprovisioningBurst(em, scope, this.policy);
          return user;
        }),
      'Another user already has that userName',
    );
    if (burst) this.policy.onMassDeprovisioning?.(scope.tenantId);
    return changed;
  }

  private async recordUserChange(
    em: EntityManager,
    scope: Scope,
    user: User,
    wasActive: boolean,
    changes: ReturnType<typeof diffAttributes>,
  ): Promise<void> {
    const others = changes.filter((c) => c.attribute !== 'active');
    if (others.length > 0) await recordEvent(em, scope, updatedEvent(user, others));
    if (wasActive === user.active) return;
    // The access before, from the row as it is until this change is flushed.
    const before = await accessOfUsers(em, scope.tenantId, [user.id]);
    await em.flush();
    await recordAccessChanges(em, scope, [user.id], before, user.active ? 'user reactivated' : 'user deactivated');
    if (!user.active) {
      // A deactivated user has no sessions: ended in the same transaction as the deactivation.
      await em.nativeUpdate(Session, { userId: user.id, revokedAt: null }, { revokedAt: new Date() });
    }
    await recordEvent(em, scope, {
      type: user.active ? 'USER_REACTIVATED' : 'USER_DEACTIVATED',
      subjectType: 'USER',
      subjectId: user.id,
      summary: `User ${user.userName} ${user.active ? 'reactivated' : 'deactivated'}`,
      changes: [{ attribute: 'active', old: wasActive, new: user.active }],
    });
  }

  /** Anyone signed in may read their own profile; the directory needs VIEWER. */
  private requireReader(scope: Scope, userId: string): void {
    if (scope.actor.kind === 'USER' && scope.actor.id === userId && scope.actor.tenantId === scope.tenantId) return;
    requireDirectoryAccess(scope, 'read');
  }
}

/**
 * Creates a user from validated attributes with its USER_CREATED event, in the transaction of `em`: SCIM
 * provisioning and SAML just-in-time creation both come here.
 */
export async function insertUser(em: EntityManager, scope: Scope, attributes: UserAttributes, source: UserSource): Promise<User> {
  const user = newUser(scope, attributes, source);
  await insertRow(em, User, user);
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

const newUser = (scope: Scope, attributes: UserAttributes, source: UserSource): User =>
  Object.assign(new User(), { tenantId: scope.tenantId, source, ...withDefaults(attributes) });

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
export const findUser = async (em: EntityManager, scope: Scope, id: string) => liveOnly(await rowById(em, User, scope.tenantId, id));

/** Like findUser, holding the row until commit so concurrent changes apply one after the other. */
export const lockUser = async (em: EntityManager, scope: Scope, id: string) => liveOnly(await rowById(em, User, scope.tenantId, id, { lock: true }));

const liveOnly = (user: User | null): User | null => (user && user.deletedAt === null ? user : null);
