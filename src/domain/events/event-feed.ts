import { DomainError } from '../shared/domain-error';
import type { UnitOfWork } from '../shared/unit-of-work';
import { eventRepository } from './event.repository';
import { EventSubscription, type FeedEvent, type OfferedEvent, type ReplayRange, type ReplaySource } from './event-subscription';
import type { FeedCursor, FeedPosition, ResumePoint } from './feed-position';
import { joinPoint, nextRead, startingAt, takePage, type ReaderState } from './feed-reading';
import type { EventType } from './provisioning-event.entity';

const FEED_PAGE = 500;
const REPLAY_PAGE = 200;
const DEFAULT_MAX_AHEAD = 200;
const DEFAULT_HELD_WARNING_MS = 60_000;
/** How soon to look again while events wait ahead of the floor (for the floor to move, notification or not). */
const HELD_RETRY_MS = 15;
const MAX_HELD_RETRY_MS = 1_000;
/**
 * Least time between the starts of two reads a wake asks for (one read for a burst of commits). 15 ms, not less:
 * at a few hundred commits a second, a 3 ms window read the log about once per commit in every process (with 1,000
 * subscribers: PostgreSQL 0.4 ms more CPU per write than with none, Portico 0.06 ms per delivery; 15 ms: 0.15-0.2 and
 * 0.03-0.04). The wait falls on deliveries under load only: a commit after a quiet spell is still read at once.
 */
const WAKE_BATCH_MS = 15;

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
 * older transactions still running: one statement per read for every tenant, one offer per event shared by
 * the subscriptions of its tenant. What to read and what to offer is decided by `feed-reading.ts` (its floor,
 * the events offered past it); this class does the reading, the timing and the subscriptions. A subscription
 * replays the stored events after its cursor up to where the reader stood when it joined, then continues with
 * what the reader hands it: no gap and no duplicate at the seam. A subscription that falls `maxBuffered`
 * events behind is closed with SUBSCRIBER_TOO_SLOW and never slows the reader or anyone else.
 */
export class EventFeed implements ReplaySource {
  /** Null while nobody subscribes (the feed does not follow the log then). */
  private state: ReaderState | null = null;
  private starting: Promise<FeedPosition> | null = null;
  private readonly subscriptions = new Set<EventSubscription>();
  /** The same subscriptions by tenant: an event is offered only to its own tenant's. */
  private readonly byTenant = new Map<string, Set<EventSubscription>>();
  private fetching: Promise<void> | null = null;
  private fetchAgain = false;
  private heldRetry: NodeJS.Timeout | null = null;
  private heldRetryMs = 0;
  private batching: NodeJS.Timeout | NodeJS.Immediate | null = null;
  /** When the last read a wake asked for began (performance.now()). */
  private lastWakeReadAt = -Infinity;
  /** Bumped whenever the state is dropped, so a read begun before that does not bring it back. */
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
    if (this.subscriptions.size === 0 || this.state === null || this.batching) return;
    // Under load commits ring many times a millisecond: one read serves those of a few milliseconds. A commit after a
    // quiet spell is read at once (the notifications that came in the same chunk from the LISTEN connection with it).
    const read = () => {
      this.batching = null;
      this.lastWakeReadAt = performance.now();
      void this.fetch();
    };
    const wait = this.lastWakeReadAt + WAKE_BATCH_MS - performance.now();
    this.batching = wait > 0 ? setTimeout(read, wait).unref() : setImmediate(read).unref();
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
      joined = this.state && joinPoint(this.state, tenantId);
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
      this.state = null;
      this.starting = null;
    }
  }

  async replayPage(tenantId: string, types: Set<EventType> | null, range: ReplayRange): Promise<FeedEvent[]> {
    return eventRepository.readReplay(this.uow.sql, tenantId, types, range, REPLAY_PAGE);
  }

  private async start(): Promise<void> {
    if (this.state) return;
    const generation = this.generation;
    this.starting ??= eventRepository.finalFloor(this.uow.sql);
    // A failed start must not be remembered: the next subscriber tries again.
    const floor = await this.starting.catch((error: unknown) => {
      this.starting = null;
      throw error;
    });
    if (generation !== this.generation) return this.start();
    if (!this.state) {
      this.state = startingAt(floor);
      this.floorMovedAt = Date.now();
      this.heldWarned = false;
    }
  }

  /** Checks that `position` is an event of the tenant (a cursor this feed handed out, not pruned since). */
  async verifyPosition(tenantId: string, position: FeedPosition): Promise<void> {
    if (!(await eventRepository.holds(this.uow.sql, tenantId, position))) {
      throw new DomainError('BAD_USER_INPUT', 'after names no stored event of this tenant (it may have been pruned)', { argument: 'after' });
    }
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
    const state = this.state;
    if (!state) return false;
    const generation = this.generation;
    const { rows, horizon } = await eventRepository.readFeed(this.uow.sql, nextRead(state, this.options.maxAhead ?? DEFAULT_MAX_AHEAD), FEED_PAGE);
    if (generation !== this.generation) return false;
    const page = takePage(state, { rows, horizon, pageSize: FEED_PAGE });
    // Synchronous: each event reaches every subscription of its tenant before the floor moves past it.
    for (const { row, had } of page.offers) {
      const subscriptions = this.byTenant.get(row.tenantId);
      if (!subscriptions) continue;
      const offered: OfferedEvent = { event: row.event, position: row.position, had };
      for (const subscription of subscriptions) subscription.offer(offered);
      // The last subscriber may have been closed (too slow) by that offer: then the feed stopped.
      if (generation !== this.generation) return false;
    }
    this.state = page.state;
    if (page.floorMoved) {
      this.floorMovedAt = Date.now();
      this.heldWarned = false;
    }
    // Events wait ahead of the floor (or to be offered) behind a transaction still running: look again
    // shortly, notification or not (that transaction may write no event, or roll back). Backs off while the
    // same wait goes on (a long transaction anywhere on the server holds the floor).
    const held = page.state.aheadCount > 0;
    this.warnIfHeld(held);
    this.heldRetryMs = held ? Math.min(this.heldRetryMs * 2 || HELD_RETRY_MS, MAX_HELD_RETRY_MS) : 0;
    if (held && !this.heldRetry) {
      this.heldRetry = setTimeout(() => {
        this.heldRetry = null;
        this.wake();
      }, this.heldRetryMs);
      this.heldRetry.unref?.();
    }
    return page.full;
  }

  /** Under load the floor trails writers but keeps moving; one that stops while events wait is held. */
  private warnIfHeld(held: boolean): void {
    const heldForMs = Date.now() - this.floorMovedAt;
    if (!held || heldForMs < (this.options.heldWarningMs ?? DEFAULT_HELD_WARNING_MS)) return;
    if (!this.heldWarned) this.options.onHeld?.(heldForMs);
    this.heldWarned = true;
  }
}
