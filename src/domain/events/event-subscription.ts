import { DomainError } from '../shared/domain-error';
import type { FeedEvent } from './event.repository';
import { advance, encodeFeedCursor, hadAfterReplayed, receiveLive, type FeedPosition, type ResumePoint } from './feed-position';
import type { EventType, ProvisioningEvent } from './provisioning-event.entity';

export type { FeedEvent } from './event.repository';

/**
 * An event as the feed offers it: with what every subscriber of its tenant has had once it has this one. One
 * object for all of them: they read it, never change it.
 */
export interface OfferedEvent extends FeedEvent {
  had: ResumePoint;
}

/** An event as a subscription delivers it: with the cursor that resumes right after it. */
export interface DeliveredEvent extends FeedEvent {
  readonly cursor: string;
}

/** The cursor is encoded when asked for: most subscribers select a few fields of the event and never read it. */
class Delivery implements DeliveredEvent {
  private encoded: string | undefined;

  constructor(
    readonly event: ProvisioningEvent,
    readonly position: FeedPosition,
    private readonly had: ResumePoint,
  ) {}

  get cursor(): string {
    return (this.encoded ??= encodeFeedCursor(this.position, this.had));
  }
}

/**
 * The stored events a resumed subscription reads before it goes live: those of its tenant after `from`,
 * up to where the feed stood when it joined (`until`, and the events it had offered past that), except
 * those the cursor says were had.
 */
export interface ReplayRange {
  from: FeedPosition;
  until: FeedPosition;
  alsoAbove: readonly FeedPosition[];
  skip: readonly FeedPosition[];
}

/** What a subscription needs of its feed. */
export interface ReplaySource {
  /** The next page of a replay, in (transaction, id) order. */
  replayPage(tenantId: string, types: Set<EventType> | null, range: ReplayRange): Promise<FeedEvent[]>;
  /** Forgets a subscription (it ended or was closed). */
  remove(subscription: EventSubscription): void;
}

/**
 * One subscriber's stream: first the replay (stored events after its cursor, up to where the feed stood when
 * it joined), then the live events the feed offers, each exactly once. Ends when the consumer returns, or
 * fails with SUBSCRIBER_TOO_SLOW when it falls too far behind.
 */
export class EventSubscription implements AsyncIterableIterator<DeliveredEvent> {
  private readonly live: OfferedEvent[] = [];
  private replayed: FeedEvent[] = [];
  private wakeConsumer: (() => void) | null = null;
  private done = false;
  private failure: DomainError | null = null;
  private readonly typeSet: Set<EventType> | null;

  /**
   * @param had what the subscriber has had already (from its cursor, or where the feed stood when it joined)
   * @param replay the stored events to read first, when it resumes with a cursor
   */
  constructor(
    private readonly source: ReplaySource,
    readonly tenantId: string,
    types: EventType[] | null,
    private had: ResumePoint,
    private replay: ReplayRange | null,
    private readonly maxBuffered: number,
  ) {
    this.typeSet = types?.length ? new Set(types) : null;
  }

  /** Called by the feed for every event of the tenant, in the order it offers them; never blocks. */
  offer(offered: OfferedEvent): void {
    if (this.done || this.failure || offered.event.tenantId !== this.tenantId) return;
    // Filtered out here, so only events it wants count against its buffer. What it says of the events had
    // before it comes again with the next event offered.
    if (this.typeSet && !this.typeSet.has(offered.event.type)) return;
    if (this.live.length >= this.maxBuffered) {
      this.failure = new DomainError(
        'SUBSCRIBER_TOO_SLOW',
        `This subscription fell more than ${this.maxBuffered} events behind and was closed; subscribe again with after set to the last cursor received`,
        { maxBuffered: this.maxBuffered },
      );
      this.live.length = 0;
      this.source.remove(this);
    } else {
      this.live.push(offered);
    }
    this.wakeConsumer?.();
  }

  async next(): Promise<IteratorResult<DeliveredEvent>> {
    for (;;) {
      if (this.done) return { done: true, value: undefined };
      // Live, nothing to read: no promise of its own (one for every subscriber of every event).
      const event = this.replay ? await this.take() : this.takeLive();
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

  async return(): Promise<IteratorResult<DeliveredEvent>> {
    this.close();
    return { done: true, value: undefined };
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  private close(): void {
    this.done = true;
    this.live.length = 0;
    this.source.remove(this);
    this.wakeConsumer?.();
  }

  private deliver(feedEvent: FeedEvent): DeliveredEvent {
    return new Delivery(feedEvent.event, feedEvent.position, this.had);
  }

  private async take(): Promise<DeliveredEvent | null> {
    while (this.replay) {
      const replay = this.replay;
      if (this.replayed.length === 0) {
        this.replayed = await this.source.replayPage(this.tenantId, this.typeSet, replay);
        if (this.replayed.length === 0) {
          // Everything the feed had offered when this subscription joined is delivered; the rest comes live.
          this.had = advance(this.had, replay.until, replay.alsoAbove);
          this.replay = null;
          break;
        }
      }
      const next = this.replayed.shift()!;
      replay.from = next.position;
      this.had = hadAfterReplayed(this.had, replay.until, next.position);
      return this.deliver(next);
    }
    return this.takeLive();
  }

  private takeLive(): DeliveredEvent | null {
    while (this.live.length > 0) {
      const next = this.live.shift()!;
      const { wanted, had } = receiveLive(this.had, next);
      this.had = had;
      if (wanted) return this.deliver(next);
    }
    return null;
  }
}
