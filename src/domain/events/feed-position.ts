import { DomainError } from '../shared/domain-error';
import { encodeCursor } from '../shared/pagination';

/**
 * A place in the provisioning log: (transaction id, event id). Every event at or before a position whose
 * transaction is older than every transaction still running is final: nothing can commit behind it later.
 */
export interface FeedPosition {
  tx: bigint;
  id: bigint;
}

export const isAfter = (a: FeedPosition, b: FeedPosition): boolean => a.tx > b.tx || (a.tx === b.tx && a.id > b.id);

export const maxPosition = (a: FeedPosition, b: FeedPosition): FeedPosition => (isAfter(a, b) ? a : b);

/**
 * What a subscriber of one tenant has had: every event of the tenant at or before `floor`, and the events
 * in `seen`, all after `floor`. The feed hands events out as soon as they commit, so events of younger
 * transactions can go before those of older ones still running: `seen` names them until the floor passes.
 */
export interface ResumePoint {
  floor: FeedPosition;
  /** Shared between subscribers and offers: never changed in place. */
  seen: readonly FeedPosition[];
}

/** `point` with `more` events had, and its floor raised to `floor`; `seen` keeps only what is after the floor. */
export function advance(point: ResumePoint, floor: FeedPosition, more: readonly FeedPosition[]): ResumePoint {
  const raised = maxPosition(point.floor, floor);
  // The common case under load: nothing seen past either floor.
  if (point.seen.length === 0 && more.length === 0) return raised === point.floor ? point : { floor: raised, seen: [] };
  const seen = new Map<bigint, FeedPosition>();
  for (const position of point.seen) if (isAfter(position, raised)) seen.set(position.id, position);
  for (const position of more) if (isAfter(position, raised)) seen.set(position.id, position);
  return { floor: raised, seen: [...seen.values()] };
}

export const covers = (point: ResumePoint, position: FeedPosition): boolean =>
  !isAfter(position, point.floor) || point.seen.some((seen) => seen.id === position.id);

/**
 * What a subscriber has had once it has `position` from a replay: the replay goes in log order, so up to `until`
 * (where the feed stood when it joined) it has every event of its tenant before this one; past `until` the
 * replay reads only events the feed had offered ahead, one by one.
 */
export const hadAfterReplayed = (had: ResumePoint, until: FeedPosition, position: FeedPosition): ResumePoint =>
  isAfter(position, until) ? advance(had, had.floor, [position]) : advance(had, position, []);

/**
 * Whether a live event is new to a subscriber that had `had` (an event it replayed, or had before its cursor,
 * comes again live and is not delivered twice), and what it has had after it: with `offered.had`, what every
 * subscriber of the tenant has had once it has this event.
 */
export function receiveLive(had: ResumePoint, offered: { position: FeedPosition; had: ResumePoint }): { wanted: boolean; had: ResumePoint } {
  const wanted = !covers(had, offered.position);
  return { wanted, had: advance(had, offered.had.floor, wanted ? [...offered.had.seen, offered.position] : offered.had.seen) };
}

const FEED_CURSOR_TAG = 'feed';
/**
 * Most events a cursor names past its floor. A feed hands out at most 200 ahead of its floor (EventFeed's
 * maxAhead), but a subscriber resuming again and again on other processes while one transaction holds every
 * floor gathers each one's: past this, a cursor keeps the anchor and the highest others, and resuming from it
 * may deliver a dropped one again (same id) rather than refuse the cursor or skip an event.
 */
export const MAX_SEEN = 1_000;
const MAX_CURSOR_LENGTH = 64 * 1024;
const MAX_XID8 = 2n ** 64n - 1n;
const MAX_BIGINT = 2n ** 63n - 1n;

/**
 * A subscription cursor: the event delivered (`anchor`, which proves the tenant) and what the subscriber
 * had with it. An event alone (the `cursor` of a listed event) means "everything up to this event".
 */
export function encodeFeedCursor(anchor: FeedPosition, had: ResumePoint = { floor: anchor, seen: [] }): string {
  const parts = [FEED_CURSOR_TAG, anchor.tx.toString(), anchor.id.toString()];
  if (had.seen.length > 0 || had.floor.tx !== anchor.tx || had.floor.id !== anchor.id) {
    parts.push(had.floor.tx.toString(), had.floor.id.toString());
    const sorted = [...had.seen].sort((a, b) => (isAfter(a, b) ? 1 : -1));
    const kept = sorted.length <= MAX_SEEN ? sorted : sorted.filter((seen, i) => i >= sorted.length - (MAX_SEEN - 1) || seen.id === anchor.id);
    for (const seen of kept) parts.push(seen.tx.toString(), seen.id.toString());
  }
  return encodeCursor(parts);
}

export interface FeedCursor {
  anchor: FeedPosition;
  had: ResumePoint;
}

/** The anchor and resume point of a subscription cursor; BAD_USER_INPUT for anything else (a list cursor included). */
export function decodeFeedCursor(cursor: string): FeedCursor {
  const refuse = () =>
    new DomainError('BAD_USER_INPUT', 'after must be the cursor of an event this subscription delivered (list cursors follow another order)', { argument: 'after' });
  if (cursor.length > MAX_CURSOR_LENGTH) throw refuse();
  let parts: unknown;
  try {
    parts = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw refuse();
  }
  if (!Array.isArray(parts) || parts[0] !== FEED_CURSOR_TAG || parts.length < 3 || parts.length === 4 || parts.length % 2 === 0) throw refuse();
  const numbers = parts.slice(1);
  if (numbers.length > 4 + 2 * MAX_SEEN || !numbers.every((part) => typeof part === 'string' && /^\d{1,20}$/.test(part))) throw refuse();
  const positions: FeedPosition[] = [];
  for (let i = 0; i < numbers.length; i += 2) positions.push({ tx: BigInt(numbers[i] as string), id: BigInt(numbers[i + 1] as string) });
  // Out of range for xid8 and bigint: PostgreSQL would refuse them with an error, not an answer.
  if (positions.some((p) => p.tx > MAX_XID8 || p.id > MAX_BIGINT)) throw refuse();
  const [anchor, floor = anchor, ...seen] = positions;
  // A cursor this API made: the anchor is the floor or one of the events seen after it.
  const anchorHad = (floor.tx === anchor.tx && floor.id === anchor.id) || seen.some((s) => s.tx === anchor.tx && s.id === anchor.id);
  if (!anchorHad || !seen.every((s) => isAfter(s, floor))) throw refuse();
  return { anchor, had: { floor, seen } };
}
