import type { EntityManager } from '@mikro-orm/postgresql';
import { DomainError } from '../shared/domain-error';
import { textArray } from '../shared/sql';
import type { UnitOfWork } from '../shared/unit-of-work';
import { EventSubscription, type FeedEvent, type ReplayRange, type ReplaySource } from './event-subscription';
import { isAfter, maxPosition, type FeedCursor, type FeedPosition, type ResumePoint } from './feed-position';
import { ProvisioningEvent, type EventType } from './provisioning-event.entity';

const FEED_PAGE = 500;
const REPLAY_PAGE = 200;
const DEFAULT_MAX_AHEAD = 200;
const DEFAULT_HELD_WARNING_MS = 60_000;
/** How soon to look again while events wait ahead of the floor (for the floor to move, notification or not). */
const HELD_RETRY_MS = 15;
const MAX_HELD_RETRY_MS = 1_000;
/** How long a wake waits for more commits before reading (one read for a burst of them). */
const WAKE_BATCH_MS = 3;

interface FeedRow extends Record<string, unknown> {
  feed_tx: string;
  id: string;
}

export interface FeedOptions {
  /** Events a subscriber may fall behind by before it is closed (it can resume with `after`). */
  maxBuffered: number;
  /**
   * Most events handed out ahead of the floor (committed while an older transaction still runs); beyond
   * it, later ones wait for the floor as they would behind a long transaction. Bounds the exclusion list of
   * each read and the size of subscription cursors. Default 200.
   */
  maxAhead?: number;
  /** Told once when the floor has not moved for `heldWarningMs` while events wait past it (a transaction left open). */
  onHeld?: (heldForMs: number) => void;
  /** Default 60 s. */
  heldWarningMs?: number;
}

/**
 * The live provisioning log of one process. One reader follows the log whenever it is woken (by the LISTEN
 * connection on every commit that wrote events, after a reconnect, and by a timer as a safety net) and
 * hands each event to the subscriptions of its tenant as soon as it is committed, without waiting for
 * older transactions still running. Its floor is the place up to which every event is final and offered;
 * the events it offered past the floor are remembered until the floor passes them, so each goes out once
 * and each cursor says exactly what its subscriber had. A subscription replays the stored events after its
 * cursor up to where the reader stood when it joined, then continues with what the reader hands it: no gap
 * and no duplicate at the seam. A subscription that falls `maxBuffered` events behind is closed with
 * SUBSCRIBER_TOO_SLOW and never slows the reader or anyone else.
 */
export class EventFeed implements ReplaySource {
  private floor: FeedPosition | null = null;
  /** Events offered past the floor, by tenant, in the order they were offered. */
  private readonly ahead = new Map<string, FeedPosition[]>();
  private aheadCount = 0;
  private starting: Promise<FeedPosition> | null = null;
  private readonly subscriptions = new Set<EventSubscription>();
  /** The same subscriptions by tenant: an event is offered only to its own tenant's. */
  private readonly byTenant = new Map<string, Set<EventSubscription>>();
  private fetching: Promise<void> | null = null;
  private fetchAgain = false;
  private heldRetry: NodeJS.Timeout | null = null;
  private heldRetryMs = 0;
  private batching: NodeJS.Timeout | null = null;
  /** Bumped whenever the floor is dropped, so a read begun before that does not bring it back. */
  private generation = 0;
  private floorMovedAt = Date.now();
  private heldWarned = false;

  constructor(
    private readonly uow: UnitOfWork,
    private readonly options: FeedOptions,
    private readonly onError: (error: unknown) => void = () => {},
  ) {}

  get subscriberCount(): number {
    return this.subscriptions.size;
  }

  /** Reads what was committed since the last read; cheap when nothing was. Safe to call at any rate. */
  wake(): void {
    if (this.subscriptions.size === 0 || this.floor === null || this.batching) return;
    // Under load commits ring many times a millisecond: one read a short moment later serves them all.
    this.batching = setTimeout(() => {
      this.batching = null;
      void this.fetch();
    }, WAKE_BATCH_MS);
    this.batching.unref?.();
  }

  /**
   * Subscribes to a tenant's events (optionally only some types), live from now or, with `after`, from what
   * a cursor of the tenant says its subscriber had (the caller has checked that the cursor is the tenant's).
   */
  async subscribe(tenantId: string, options: { types?: EventType[] | null; after?: FeedCursor | null }): Promise<EventSubscription> {
    // "Live from now": first read what was committed before this call, so it is not handed out as live. The
    // last other subscriber may leave meanwhile (and the feed stop): go round until the feed is running.
    let joined: ResumePoint | null = null;
    while (joined === null) {
      await this.start();
      await this.fetch();
      joined = this.floor && { floor: this.floor, seen: [...(this.ahead.get(tenantId) ?? [])] };
    }
    // Synchronous from here: what the feed offered so far and the registration are read and made together.
    const after = options.after;
    const replay: ReplayRange | null = after ? { from: after.had.floor, until: joined.floor, alsoAbove: joined.seen, skip: after.had.seen } : null;
    const subscription = new EventSubscription(this, tenantId, options.types ?? null, after ? after.had : joined, replay, this.options.maxBuffered);
    this.subscriptions.add(subscription);
    let ofTenant = this.byTenant.get(tenantId);
    if (!ofTenant) this.byTenant.set(tenantId, (ofTenant = new Set()));
    ofTenant.add(subscription);
    return subscription;
  }

  /** Forgets a subscription (it ended or was closed); a second call for the same one changes nothing. */
  remove(subscription: EventSubscription): void {
    if (!this.subscriptions.delete(subscription)) return;
    const ofTenant = this.byTenant.get(subscription.tenantId);
    ofTenant?.delete(subscription);
    if (ofTenant?.size === 0) this.byTenant.delete(subscription.tenantId);
    if (this.subscriptions.size === 0) {
      // Nobody follows the log: stop following it, and start again from "now" for the next subscriber.
      this.generation += 1;
      this.floor = null;
      this.ahead.clear();
      this.aheadCount = 0;
      this.starting = null;
    }
  }

  async replayPage(tenantId: string, types: Set<EventType> | null, range: ReplayRange): Promise<FeedEvent[]> {
    return this.uow.read(async (em) => {
      const rows = await em.execute<FeedRow[]>(
        `select e.*, e.tx_id::text as feed_tx from provisioning_events e
          where e.tenant_id = ? and (e.tx_id, e.id) > (?::xid8, ?)
            and ((e.tx_id, e.id) <= (?::xid8, ?) or e.id = any(?::bigint[]))
            and e.id <> all(?::bigint[])
            ${types ? `and e.type = any(?::text[])` : ''}
          order by e.tx_id, e.id limit ${REPLAY_PAGE}`,
        [
          tenantId,
          range.from.tx.toString(),
          range.from.id.toString(),
          range.until.tx.toString(),
          range.until.id.toString(),
          idArray(range.alsoAbove),
          idArray(range.skip),
          ...(types ? [textArray([...types])] : []),
        ],
      );
      return rows.map((row) => toFeedEvent(em, row));
    });
  }

  private async start(): Promise<FeedPosition> {
    if (this.floor) return this.floor;
    const generation = this.generation;
    this.starting ??= this.uow.read(async (em) => {
      const [row] = await em.execute<{ tx: string; id: string }[]>(
        `select tx_id::text as tx, id from provisioning_events where tx_id < pg_snapshot_xmin(pg_current_snapshot())
          order by tx_id desc, id desc limit 1`,
      );
      return row ? { tx: BigInt(row.tx), id: BigInt(row.id) } : { tx: 0n, id: 0n };
    });
    // A failed start must not be remembered: the next subscriber tries again.
    const floor = await this.starting.catch((error: unknown) => {
      this.starting = null;
      throw error;
    });
    if (generation !== this.generation) return this.start();
    if (!this.floor) {
      this.floor = floor;
      this.floorMovedAt = Date.now();
      this.heldWarned = false;
    }
    return this.floor;
  }

  /** Checks that `position` is an event of the tenant (a cursor this feed handed out, not pruned since). */
  async verifyPosition(tenantId: string, position: FeedPosition): Promise<void> {
    const [row] = await this.uow.read((em) =>
      em.execute<{ id: string }[]>(`select id from provisioning_events where tenant_id = ? and id = ? and tx_id = ?::xid8`, [
        tenantId,
        position.id.toString(),
        position.tx.toString(),
      ]),
    );
    if (!row) throw new DomainError('BAD_USER_INPUT', 'after names no stored event of this tenant (it may have been pruned)', { argument: 'after' });
  }

  /** Reads up to the horizon; a call during a read makes that read go round once more and waits for it. */
  private fetch(): Promise<void> {
    if (this.fetching) {
      this.fetchAgain = true;
      return this.fetching;
    }
    this.fetching = this.readAll();
    return this.fetching;
  }

  private async readAll(): Promise<void> {
    try {
      do {
        this.fetchAgain = false;
        while (await this.fetchPage()) {
          // a full page: more is waiting
        }
      } while (this.fetchAgain);
    } catch (error) {
      // The database is away; the next wake (reconnect or timer) reads from the same floor.
      this.onError(error);
    } finally {
      this.fetching = null;
    }
  }

  /** Reads and offers one page of events committed since the last read; true when more may be waiting. */
  private async fetchPage(): Promise<boolean> {
    const from = this.floor;
    if (!from) return false;
    const generation = this.generation;
    const offered = [...this.ahead.values()].flat();
    // Room left ahead of the floor: at the cap, younger rows are not even read (a transaction left open
    // must not make every read fetch rows only to put them back).
    const room = Math.max(0, (this.options.maxAhead ?? DEFAULT_MAX_AHEAD) - this.aheadCount);
    const { final, younger, horizon } = await this.uow.read(async (em) => {
      // The committed rows not offered yet, final ones (of transactions older than every one still running:
      // nothing can commit before them) and at most `room` younger ones, in one statement, so one snapshot
      // decides all of it.
      const rows = await em.execute<(FeedRow & { horizon: string })[]>(
        `select h.horizon::text as horizon, e.*, e.tx_id::text as feed_tx
           from (select pg_snapshot_xmin(pg_current_snapshot()) as horizon) h
           left join lateral (
             (select * from provisioning_events e
               where (e.tx_id, e.id) > (?::xid8, ?) and e.tx_id < h.horizon and e.id <> all(?::bigint[])
               order by e.tx_id, e.id limit ${FEED_PAGE})
             union all
             (select * from provisioning_events e
               where e.tx_id >= h.horizon and (e.tx_id, e.id) > (?::xid8, ?) and e.id <> all(?::bigint[])
               order by e.tx_id, e.id limit ${room})
           ) e on true
          order by e.tx_id, e.id`,
        [from.tx.toString(), from.id.toString(), idArray(offered), from.tx.toString(), from.id.toString(), idArray(offered)],
      );
      const horizon = BigInt(rows[0].horizon);
      const events = rows.filter((row) => row.id !== null).map(({ horizon: _horizon, ...row }) => toFeedEvent(em, row as FeedRow));
      return { final: events.filter((e) => e.position.tx < horizon), younger: events.filter((e) => e.position.tx >= horizon), horizon };
    });
    if (generation !== this.generation) return false;
    // A full page of final rows may have more behind it, before any younger row: those wait for the next page.
    const full = final.length === FEED_PAGE;
    const events = full ? final : [...final, ...younger];
    // Synchronous: each event reaches every subscription of its tenant before the floor moves past it.
    // Final rows come first (older transactions); `safe` follows them: everything up to it is offered.
    let safe = from;
    let last = from;
    for (const feedEvent of events) {
      const isFinal = feedEvent.position.tx < horizon;
      last = feedEvent.position;
      const tenantId = feedEvent.event.tenantId;
      if (isFinal) safe = feedEvent.position;
      else this.remember(tenantId, feedEvent.position);
      const subscriptions = this.byTenant.get(tenantId);
      if (!subscriptions) continue;
      const had = { floor: safe, seen: [...(this.ahead.get(tenantId) ?? [])] };
      for (const subscription of subscriptions) subscription.offer({ ...feedEvent, had });
      // The last subscriber may have been closed (too slow) by that offer: then the feed stopped.
      if (generation !== this.generation) return false;
    }
    this.raiseFloor(safe, horizon, full ? last : null);
    // Events wait ahead of the floor (or to be offered) behind a transaction still running: look again
    // shortly, notification or not (that transaction may write no event, or roll back). Backs off while the
    // same wait goes on (a long transaction anywhere on the server holds the floor).
    const held = this.aheadCount > 0;
    this.warnIfHeld(held);
    this.heldRetryMs = held ? Math.min(this.heldRetryMs * 2 || HELD_RETRY_MS, MAX_HELD_RETRY_MS) : 0;
    if (held && !this.heldRetry) {
      this.heldRetry = setTimeout(() => {
        this.heldRetry = null;
        this.wake();
      }, this.heldRetryMs);
      this.heldRetry.unref?.();
    }
    return full;
  }

  /** Under load the floor trails writers but keeps moving; one that stops while events wait is held. */
  private warnIfHeld(held: boolean): void {
    const heldForMs = Date.now() - this.floorMovedAt;
    if (!held || heldForMs < (this.options.heldWarningMs ?? DEFAULT_HELD_WARNING_MS)) return;
    if (!this.heldWarned) this.options.onHeld?.(heldForMs);
    this.heldWarned = true;
  }

  private remember(tenantId: string, position: FeedPosition): void {
    let ofTenant = this.ahead.get(tenantId);
    if (!ofTenant) this.ahead.set(tenantId, (ofTenant = []));
    ofTenant.push(position);
    this.aheadCount += 1;
  }

  /**
   * Moves the floor to `safe`, or further over events offered ahead of it that are final now, and forgets
   * those. With `readUpTo` (the page was full), not past it: rows after it were not read yet.
   */
  private raiseFloor(safe: FeedPosition, horizon: bigint, readUpTo: FeedPosition | null): void {
    let floor = safe;
    for (const positions of this.ahead.values()) {
      for (const position of positions) {
        if (position.tx < horizon && (!readUpTo || !isAfter(position, readUpTo))) floor = maxPosition(floor, position);
      }
    }
    if (!this.floor || isAfter(floor, this.floor)) {
      this.floorMovedAt = Date.now();
      this.heldWarned = false;
    }
    this.floor = floor;
    for (const [tenantId, positions] of this.ahead) {
      const still = positions.filter((position) => isAfter(position, floor));
      this.aheadCount -= positions.length - still.length;
      if (still.length === 0) this.ahead.delete(tenantId);
      else this.ahead.set(tenantId, still);
    }
  }
}

const idArray = (positions: readonly FeedPosition[]): string => `{${positions.map((position) => position.id.toString()).join(',')}}`;

function toFeedEvent(em: EntityManager, row: FeedRow): FeedEvent {
  const position = { tx: BigInt(row.feed_tx), id: BigInt(row.id) };
  const { feed_tx: _tx, tx_id: _raw, ...columns } = row;
  return { event: em.map(ProvisioningEvent, columns as never), position };
}
