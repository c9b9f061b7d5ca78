import { isAfter, maxPosition, type FeedPosition, type ResumePoint } from './feed-position';

/**
 * What the live feed's reader knows of the log, and nothing else: no I/O, no clock, no subscriber. Its floor is
 * the place up to which every event is final and offered; `ahead` names the events it offered past the floor
 * (committed while an older transaction still ran), by tenant, in the order offered, until the floor passes
 * them. Never changed in place: each read gives a new state, so a `seen` list handed out with an offer stays
 * what it was.
 */
export interface ReaderState {
  readonly floor: FeedPosition;
  readonly ahead: ReadonlyMap<string, readonly FeedPosition[]>;
  /** How many positions `ahead` holds over all tenants. */
  readonly aheadCount: number;
}

/** A reader that starts at `floor` (where the log was final when the first subscriber came). */
export const startingAt = (floor: FeedPosition): ReaderState => ({ floor, ahead: new Map(), aheadCount: 0 });

/** What the next read asks the log for: rows after `from` except `offered`, and at most `room` younger ones. */
export interface ReadRequest {
  from: FeedPosition;
  /** The events already offered past the floor: not read again. */
  offered: FeedPosition[];
  /**
   * Room left ahead of the floor: at the cap, younger rows are not even read (a transaction left open must
   * not make every read fetch rows only to put them back).
   */
  room: number;
}

export function nextRead(state: ReaderState, maxAhead: number): ReadRequest {
  const offered: FeedPosition[] = [];
  for (const positions of state.ahead.values()) offered.push(...positions);
  return { from: state.floor, offered, room: Math.max(0, maxAhead - state.aheadCount) };
}

/** A row of the log as the reader needs it; the feed's rows carry the event itself along. */
export interface LogRow {
  position: FeedPosition;
  tenantId: string;
}

/**
 * What one read returned, in (transaction, id) order: the rows of transactions older than `horizon` (final:
 * nothing can commit before them any more) and younger ones already committed, from one snapshot.
 */
export interface ReadPage<R extends LogRow> {
  rows: readonly R[];
  /** The oldest transaction still running when the rows were read (PostgreSQL's snapshot xmin). */
  horizon: bigint;
  /** The most final rows one read returns: a page that full may have more final rows behind it. */
  pageSize: number;
}

/** A row to hand to the subscribers of its tenant, with what each of them has had once it has this one. */
export interface Offer<R extends LogRow> {
  row: R;
  had: ResumePoint;
}

export interface PageOutcome<R extends LogRow> {
  /** In the order they must reach subscribers: each before the floor moves past it. */
  offers: Offer<R>[];
  /** The state once every offer is made. */
  state: ReaderState;
  /** The page was full of final rows: read again at once. */
  full: boolean;
  /** The floor moved. */
  floorMoved: boolean;
}

/**
 * Decides what a read hands out and where the floor goes: every final row, then (unless the page was full of
 * final rows, whose successors come first on the next read) the younger rows, remembered as ahead of the floor.
 * The floor follows the final rows, and over events offered ahead earlier that are final now.
 */
export function takePage<R extends LogRow>(state: ReaderState, page: ReadPage<R>): PageOutcome<R> {
  const final = page.rows.filter((row) => row.position.tx < page.horizon);
  const full = final.length === page.pageSize;
  const rows = full ? final : [...final, ...page.rows.filter((row) => row.position.tx >= page.horizon)];
  const ahead = new Map(state.ahead);
  let aheadCount = state.aheadCount;
  let safe = state.floor;
  let last = state.floor;
  const offers: Offer<R>[] = [];
  for (const row of rows) {
    last = row.position;
    if (row.position.tx < page.horizon) {
      safe = row.position;
    } else {
      // A new array, not a push: the `seen` of earlier offers must not change.
      ahead.set(row.tenantId, [...(ahead.get(row.tenantId) ?? []), row.position]);
      aheadCount += 1;
    }
    offers.push({ row, had: { floor: safe, seen: (ahead.get(row.tenantId) ?? NONE) as FeedPosition[] } });
  }
  const raised = raiseFloor({ floor: safe, ahead, aheadCount }, page.horizon, full ? last : null);
  return { offers, state: raised, full, floorMoved: isAfter(raised.floor, state.floor) };
}

const NONE: readonly FeedPosition[] = Object.freeze([]);

/**
 * The floor at `state.floor`, or further over events offered ahead of it that are final now (older than
 * `horizon`); forgets those it passed. With `readUpTo` (the page was full), not past it: rows after it were not
 * read yet.
 */
function raiseFloor(state: ReaderState, horizon: bigint, readUpTo: FeedPosition | null): ReaderState {
  let floor = state.floor;
  for (const positions of state.ahead.values()) {
    for (const position of positions) {
      if (position.tx < horizon && (!readUpTo || !isAfter(position, readUpTo))) floor = maxPosition(floor, position);
    }
  }
  const ahead = new Map<string, readonly FeedPosition[]>();
  let aheadCount = 0;
  for (const [tenantId, positions] of state.ahead) {
    const still = positions.filter((position) => isAfter(position, floor));
    if (still.length === 0) continue;
    ahead.set(tenantId, still.length === positions.length ? positions : still);
    aheadCount += still.length;
  }
  return { floor, ahead, aheadCount };
}

/** Where a new subscriber of a tenant joins: the floor, and what the reader offered that tenant past it. */
export const joinPoint = (state: ReaderState, tenantId: string): ResumePoint => ({ floor: state.floor, seen: [...(state.ahead.get(tenantId) ?? [])] });
