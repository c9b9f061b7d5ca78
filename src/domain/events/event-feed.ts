import type { EntityManager } from '@mikro-orm/postgresql';
import { DomainError } from '../shared/domain-error';
import { decodeCursor, encodeCursor } from '../shared/pagination';
import { textArray } from '../shared/sql';
import type { UnitOfWork } from '../shared/unit-of-work';
import { ProvisioningEvent, type EventType } from './provisioning-event.entity';

/**
 * A place in the provisioning log, in commit-safe order: (transaction id, event id). Only events whose
 * transaction is older than every transaction still running are read, so nothing can later commit behind
 * a position once it has been handed out.
 */
export interface FeedPosition {
  tx: bigint;
  id: bigint;
}

const FEED_PAGE = 500;
const REPLAY_PAGE = 200;
/** How soon to look again when committed events wait behind an older transaction still running. */
const HELD_RETRY_MS = 15;
const MAX_HELD_RETRY_MS = 1_000;
/** How long a wake waits for more commits before reading (one read for a burst of them). */
const WAKE_BATCH_MS = 3;

const isAfter = (a: FeedPosition, b: FeedPosition) => a.tx > b.tx || (a.tx === b.tx && a.id > b.id);

interface FeedRow extends Record<string, unknown> {
  feed_tx: string;
  id: string;
}

/** An event and its place in the feed. */
export interface FeedEvent {
  event: ProvisioningEvent;
  position: FeedPosition;
}

const FEED_CURSOR_TAG = 'feed';

/** The cursor of a feed position, as subscriptions hand it out with each event. */
export const encodeFeedCursor = (position: FeedPosition): string => encodeCursor([FEED_CURSOR_TAG, position.tx.toString(), position.id.toString()]);

/** The position of a subscription cursor; BAD_USER_INPUT for anything else (a list cursor included). */
export function decodeFeedCursor(cursor: string): FeedPosition {
  const refuse = () =>
    new DomainError('BAD_USER_INPUT', 'after must be the cursor of an event this subscription delivered (list cursors follow another order)', { argument: 'after' });
  let key;
  try {
    key = decodeCursor(cursor, 3);
  } catch {
    throw refuse();
  }
  const [tag, tx, id] = key ?? [];
  if (tag !== FEED_CURSOR_TAG || !/^\d{1,20}$/.test(String(tx)) || !/^\d{1,18}$/.test(String(id))) throw refuse();
  return { tx: BigInt(tx), id: BigInt(id) };
}

export interface FeedOptions {
  /** Events a subscriber may fall behind by before it is closed (it can resume with `after`). */
  maxBuffered: number;
}

/**
 * The live provisioning log of one process. One reader follows the log in commit-safe order whenever it is
 * woken (by the LISTEN connection on every commit that wrote events, after a reconnect, and by a timer as a
 * safety net) and hands each event to the subscriptions of its tenant. A subscription replays the stored
 * events after its cursor up to where the reader stood when it joined, then continues with what the reader
 * hands it: no gap and no duplicate at the seam. A subscription that falls `maxBuffered` events behind is
 * closed with SUBSCRIBER_TOO_SLOW and never slows the reader or anyone else.
 */
export class EventFeed {
  private position: FeedPosition | null = null;
  private starting: Promise<FeedPosition> | null = null;
  private readonly subscriptions = new Set<EventSubscription>();
  /** The same subscriptions by tenant: an event is offered only to its own tenant's. */
  private readonly byTenant = new Map<string, Set<EventSubscription>>();
  private fetching: Promise<void> | null = null;
  private fetchAgain = false;
  private heldRetry: NodeJS.Timeout | null = null;
  private heldRetryMs = 0;
  private batching: NodeJS.Timeout | null = null;
  /** Bumped whenever the position is dropped, so a read begun before that does not bring it back. */
  private generation = 0;

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
    if (this.subscriptions.size === 0 || this.position === null || this.batching) return;
    // Under load commits ring many times a millisecond: one read a short moment later serves them all.
    this.batching = setTimeout(() => {
      this.batching = null;
      void this.fetch();
    }, WAKE_BATCH_MS);
    this.batching.unref?.();
  }

  /**
   * Subscribes to a tenant's events (optionally only some types), live from now or, with `after`, from that
   * feed position on (a position this feed handed out with an event of the tenant).
   */
  async subscribe(tenantId: string, options: { types?: EventType[] | null; after?: FeedPosition | null }): Promise<EventSubscription> {
    const after = options.after ?? null;
    // "Live from now": first read what was committed before this call, so it is not handed out as live. The
    // last other subscriber may leave meanwhile (and the feed stop): go round until the feed is running.
    let joinedAt: FeedPosition | null = null;
    while (joinedAt === null) {
      await this.start();
      await this.fetch();
      joinedAt = this.position;
    }
    // Synchronous from here: the reader's position and the registration are read and made together.
    const subscription = new EventSubscription(this, tenantId, options.types ?? null, after ?? joinedAt, after ? joinedAt : null, this.options.maxBuffered);
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
      this.position = null;
      this.starting = null;
    }
  }

  /** One page of a tenant's stored events after `from`, up to `until` (both inclusive bounds are final). */
  async replayPage(tenantId: string, types: Set<EventType> | null, from: FeedPosition, until: FeedPosition): Promise<FeedEvent[]> {
    return this.uow.read(async (em) => {
      const rows = await em.execute<FeedRow[]>(
        `select e.*, e.tx_id::text as feed_tx from provisioning_events e
          where e.tenant_id = ? and (e.tx_id, e.id) > (?::xid8, ?) and (e.tx_id, e.id) <= (?::xid8, ?)
            ${types ? `and e.type = any(?::text[])` : ''}
          order by e.tx_id, e.id limit ${REPLAY_PAGE}`,
        [tenantId, from.tx.toString(), from.id.toString(), until.tx.toString(), until.id.toString(), ...(types ? [textArray([...types])] : [])],
      );
      return rows.map((row) => toFeedEvent(em, row));
    });
  }

  private async start(): Promise<FeedPosition> {
    if (this.position) return this.position;
    const generation = this.generation;
    this.starting ??= this.uow.read(async (em) => {
      const [row] = await em.execute<{ tx: string; id: string }[]>(
        `select tx_id::text as tx, id from provisioning_events where tx_id < pg_snapshot_xmin(pg_current_snapshot())
          order by tx_id desc, id desc limit 1`,
      );
      return row ? { tx: BigInt(row.tx), id: BigInt(row.id) } : { tx: 0n, id: 0n };
    });
    // A failed start must not be remembered: the next subscriber tries again.
    const position = await this.starting.catch((error: unknown) => {
      this.starting = null;
      throw error;
    });
    if (generation !== this.generation) return this.start();
    this.position ??= position;
    return this.position;
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
        while ((await this.fetchPage()) === FEED_PAGE) {
          // a full page: more is waiting
        }
      } while (this.fetchAgain);
    } catch (error) {
      // The database is away; the next wake (reconnect or timer) reads from the same position.
      this.onError(error);
    } finally {
      this.fetching = null;
    }
  }

  private async fetchPage(): Promise<number> {
    const from = this.position;
    if (!from) return 0;
    const generation = this.generation;
    const { events, held } = await this.uow.read(async (em) => {
      // The final rows past the position, and whether committed rows wait behind an older transaction
      // (one statement, so one snapshot decides both).
      const rows = await em.execute<(FeedRow & { held_behind: boolean })[]>(
        `with horizon as (select pg_snapshot_xmin(pg_current_snapshot()) as xmin),
              final as (select e.*, e.tx_id::text as feed_tx from provisioning_events e, horizon
                         where (e.tx_id, e.id) > (?::xid8, ?) and e.tx_id < horizon.xmin
                         order by e.tx_id, e.id limit ${FEED_PAGE})
         select final.*, waiting.held_behind
           from (select exists (select 1 from provisioning_events e, horizon
                                 where (e.tx_id, e.id) > (?::xid8, ?) and e.tx_id >= horizon.xmin) as held_behind) waiting
           left join final on true
          order by final.tx_id, final.id`,
        [from.tx.toString(), from.id.toString(), from.tx.toString(), from.id.toString()],
      );
      const final = rows.filter((row) => row.id !== null);
      return {
        events: final.map(({ held_behind: _held, ...row }) => toFeedEvent(em, row as FeedRow)),
        held: rows[0]?.held_behind === true,
      };
    });
    if (generation !== this.generation) return 0;
    // Synchronous: each event reaches every subscription of its tenant before the position moves past it.
    for (const feedEvent of events) {
      for (const subscription of this.byTenant.get(feedEvent.event.tenantId) ?? []) subscription.offer(feedEvent);
      // The last subscriber may have been closed (too slow) by that offer: then the feed stopped.
      if (generation !== this.generation) return 0;
      this.position = feedEvent.position;
    }
    // Committed events wait behind a transaction still running: look again shortly, notification or not
    // (that transaction may write no event, or roll back).
    // Backs off while the same wait goes on (a long transaction anywhere on the server holds the horizon).
    this.heldRetryMs = held ? Math.min(this.heldRetryMs * 2 || HELD_RETRY_MS, MAX_HELD_RETRY_MS) : 0;
    if (held && !this.heldRetry) {
      this.heldRetry = setTimeout(() => {
        this.heldRetry = null;
        this.wake();
      }, this.heldRetryMs);
      this.heldRetry.unref?.();
    }
    return held ? 0 : events.length;
  }
}

function toFeedEvent(em: EntityManager, row: FeedRow): FeedEvent {
  const position = { tx: BigInt(row.feed_tx), id: BigInt(row.id) };
  const { feed_tx: _tx, tx_id: _raw, ...columns } = row;
  return { event: em.map(ProvisioningEvent, columns as never), position };
}

/**
 * One subscriber's stream: first the replay (stored events after its cursor, up to where the feed stood when
 * it joined), then the live events the feed offers, each exactly once and in order. Ends when the consumer
 * returns, or fails with SUBSCRIBER_TOO_SLOW when it falls too far behind.
 */
export class EventSubscription implements AsyncIterableIterator<FeedEvent> {
  private readonly live: FeedEvent[] = [];
  private replayed: FeedEvent[] = [];
  private wakeConsumer: (() => void) | null = null;
  private done = false;
  private failure: DomainError | null = null;

  constructor(
    private readonly feed: EventFeed,
    readonly tenantId: string,
    private readonly types: EventType[] | null,
    private position: FeedPosition,
    private replayUntil: FeedPosition | null,
    private readonly maxBuffered: number,
  ) {}

  private get typeSet(): Set<EventType> | null {
    return this.types?.length ? new Set(this.types) : null;
  }

  /** Called by the feed for every event, in order; never blocks. */
  offer(feedEvent: FeedEvent): void {
    if (this.done || this.failure || feedEvent.event.tenantId !== this.tenantId) return;
    // Filtered out here, so only events it wants count against its buffer.
    if (this.types?.length && !this.types.includes(feedEvent.event.type)) return;
    if (this.live.length >= this.maxBuffered) {
      this.failure = new DomainError(
        'SUBSCRIBER_TOO_SLOW',
        `This subscription fell more than ${this.maxBuffered} events behind and was closed; subscribe again with after set to the last cursor received`,
        { maxBuffered: this.maxBuffered },
      );
      this.live.length = 0;
      this.feed.remove(this);
    } else {
      this.live.push(feedEvent);
    }
    this.wakeConsumer?.();
  }

  async next(): Promise<IteratorResult<FeedEvent>> {
    for (;;) {
      if (this.done) return { done: true, value: undefined };
      const event = await this.take();
      if (event) return { done: false, value: event };
      if (this.failure) {
        const failure = this.failure;
        this.close();
        throw failure;
      }
      if (this.done) return { done: true, value: undefined };
      await new Promise<void>((resolve) => {
        this.wakeConsumer = resolve;
      });
      this.wakeConsumer = null;
    }
  }

  async return(): Promise<IteratorResult<FeedEvent>> {
    this.close();
    return { done: true, value: undefined };
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  private close(): void {
    this.done = true;
    this.live.length = 0;
    this.feed.remove(this);
    this.wakeConsumer?.();
  }

  private async take(): Promise<FeedEvent | null> {
    const types = this.typeSet;
    while (this.replayUntil) {
      if (this.replayed.length === 0) {
        this.replayed = await this.feed.replayPage(this.tenantId, types, this.position, this.replayUntil);
        if (this.replayed.length === 0) {
          // Everything up to where the feed stood at joining is delivered; the rest comes live.
          if (isAfter(this.replayUntil, this.position)) this.position = this.replayUntil;
          this.replayUntil = null;
          break;
        }
      }
      const next = this.replayed.shift()!;
      this.position = next.position;
      return next;
    }
    while (this.live.length > 0) {
      const next = this.live.shift()!;
      if (!isAfter(next.position, this.position)) continue;
      this.position = next.position;
      if (!types || types.has(next.event.type)) return next;
    }
    return null;
  }
}
