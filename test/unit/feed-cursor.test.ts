import { describe, expect, it } from 'vitest';
import { advance, covers, decodeFeedCursor, encodeFeedCursor, MAX_SEEN, type FeedPosition } from '../../src/domain/events/feed-position';

const at = (tx: number, id: number): FeedPosition => ({ tx: BigInt(tx), id: BigInt(id) });
const raw = (parts: unknown) => Buffer.from(JSON.stringify(parts)).toString('base64url');

describe('subscription cursors', () => {
  it('an event alone means everything up to it (the form list nodes carry)', () => {
    const cursor = encodeFeedCursor(at(10, 5));
    expect(JSON.parse(Buffer.from(cursor, 'base64url').toString())).toEqual(['feed', '10', '5']);
    expect(decodeFeedCursor(cursor)).toEqual({ anchor: at(10, 5), had: { floor: at(10, 5), seen: [] } });
  });

  it('an event delivered ahead of the floor carries the floor and what was seen past it', () => {
    const had = { floor: at(10, 5), seen: [at(14, 9), at(12, 7)] };
    const decoded = decodeFeedCursor(encodeFeedCursor(at(12, 7), had));
    expect(decoded.anchor).toEqual(at(12, 7));
    expect(decoded.had).toEqual({ floor: at(10, 5), seen: [at(12, 7), at(14, 9)] });
  });

  it(`names at most ${MAX_SEEN} events seen: the anchor and the highest others (a repeat on resume, never a refusal or a gap)`, () => {
    const seen = Array.from({ length: 1500 }, (_, i) => at(100 + i, 100 + i));
    const anchor = seen[10];
    const decoded = decodeFeedCursor(encodeFeedCursor(anchor, { floor: at(1, 1), seen }));
    expect(decoded.had.seen).toHaveLength(MAX_SEEN);
    expect(decoded.had.seen).toContainEqual(anchor);
    expect(decoded.had.seen).toContainEqual(seen[1499]);
    expect(decoded.had.seen).not.toContainEqual(seen[11]);
  });

  it.each([
    ['a list paging cursor', raw(['2026-01-01', 'abc'])],
    ['four parts', raw(['feed', '1', '2', '3'])],
    ['an even count', raw(['feed', '1', '2', '3', '4', '5'])],
    ['numbers, not strings', raw(['feed', 1, 2])],
    ['an anchor neither the floor nor seen', raw(['feed', '12', '7', '10', '5', '14', '9'])],
    ['a seen event at or before the floor', raw(['feed', '12', '7', '10', '5', '12', '7', '9', '1'])],
    ['an id beyond bigint', raw(['feed', '1', '9223372036854775808'])],
    ['a transaction beyond xid8', raw(['feed', '18446744073709551616', '1'])],
    ['a negative number', raw(['feed', '-1', '2'])],
    ['too many seen events', raw(['feed', '2', '1', '1', '1', ...Array.from({ length: 1001 }, (_, i) => [String(i + 2), String(i + 2)]).flat()])],
    ['garbage', 'not base64 json'],
  ])('refuses %s as BAD_USER_INPUT', (_name, cursor) => {
    expect(() => decodeFeedCursor(cursor)).toThrow(expect.objectContaining({ code: 'BAD_USER_INPUT' }));
  });

  it('advance raises the floor and keeps only what is past it; covers answers for both', () => {
    const had = advance({ floor: at(10, 5), seen: [at(12, 7)] }, at(11, 6), [at(14, 9), at(12, 7), at(11, 2)]);
    expect(had).toEqual({ floor: at(11, 6), seen: [at(12, 7), at(14, 9)] });
    expect(covers(had, at(11, 6))).toBe(true);
    expect(covers(had, at(14, 9))).toBe(true);
    expect(covers(had, at(13, 8))).toBe(false);
    // A floor behind the one held changes nothing.
    expect(advance(had, at(3, 3), [])).toEqual(had);
  });
});
