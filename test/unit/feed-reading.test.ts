import { describe, expect, it } from 'vitest';
import { advance, hadAfterReplayed, isAfter, receiveLive, type FeedPosition, type ResumePoint } from '../../src/domain/events/feed-position';
import { joinPoint, nextRead, startingAt, takePage, type LogRow, type ReaderState } from '../../src/domain/events/feed-reading';

const at = (tx: number, id: number): FeedPosition => ({ tx: BigInt(tx), id: BigInt(id) });
const row = (tx: number, id: number, tenantId = 't1'): LogRow => ({ position: at(tx, id), tenantId });
const ids = (positions: readonly FeedPosition[]) => positions.map((p) => Number(p.id));

/** The live feed's position logic on synthetic rows: no database, no subscriber, no clock. */
describe('the feed reader', () => {
  it('offers final rows in order and moves its floor to the last one', () => {
    const page = takePage(startingAt(at(5, 1)), { rows: [row(6, 2), row(7, 3)], horizon: 10n, pageSize: 500 });
    expect(page.offers.map((offer) => offer.had)).toEqual([
      { floor: at(6, 2), seen: [] },
      { floor: at(7, 3), seen: [] },
    ]);
    expect(page.state).toEqual({ floor: at(7, 3), ahead: new Map(), aheadCount: 0 });
    expect(page.floorMoved).toBe(true);
    expect(page.full).toBe(false);
  });

  it('offers rows of younger transactions at once, ahead of the floor, and names them until the floor passes them', () => {
    // Transaction 8 is still running: 9's event is committed but not final.
    const page = takePage(startingAt(at(5, 1)), { rows: [row(6, 2), row(9, 4)], horizon: 8n, pageSize: 500 });
    expect(page.offers.map((offer) => offer.had)).toEqual([
      { floor: at(6, 2), seen: [] },
      { floor: at(6, 2), seen: [at(9, 4)] },
    ]);
    expect(page.state.floor).toEqual(at(6, 2));
    expect(page.state.aheadCount).toBe(1);
    // The next read skips what was offered and leaves room for the rest.
    expect(nextRead(page.state, 200)).toEqual({ from: at(6, 2), offered: [at(9, 4)], room: 199 });

    // 8 commits (its event, inserted before 9's, has the lower id) and nothing runs any more: all is final.
    const later = takePage(page.state, { rows: [row(8, 3)], horizon: 12n, pageSize: 500 });
    expect(later.offers.map((offer) => [Number(offer.row.position.id), offer.had])).toEqual([[3, { floor: at(8, 3), seen: [at(9, 4)] }]]);
    expect(later.state).toEqual({ floor: at(9, 4), ahead: new Map(), aheadCount: 0 });
  });

  it('keeps what it saw ahead apart by tenant', () => {
    const page = takePage(startingAt(at(1, 1)), { rows: [row(9, 4, 't1'), row(10, 5, 't2'), row(11, 6, 't1')], horizon: 8n, pageSize: 500 });
    expect(page.offers.map((offer) => ids(offer.had.seen))).toEqual([[4], [5], [4, 6]]);
    expect(joinPoint(page.state, 't1')).toEqual({ floor: at(1, 1), seen: [at(9, 4), at(11, 6)] });
    expect(joinPoint(page.state, 't3')).toEqual({ floor: at(1, 1), seen: [] });
  });

  it('never changes what it handed out: an offer keeps the seen list it had', () => {
    const first = takePage(startingAt(at(1, 1)), { rows: [row(9, 4)], horizon: 8n, pageSize: 500 });
    const handedOut = first.offers[0].had.seen;
    takePage(first.state, { rows: [row(10, 5)], horizon: 8n, pageSize: 500 });
    expect(handedOut).toEqual([at(9, 4)]);
  });

  it('does not read younger rows past its cap, and leaves them to a later read', () => {
    let state: ReaderState = startingAt(at(1, 1));
    state = takePage(state, { rows: [row(9, 4), row(10, 5)], horizon: 8n, pageSize: 500 }).state;
    expect(nextRead(state, 2).room).toBe(0);
    expect(nextRead(state, 3).room).toBe(1);
  });

  it('after a page full of final rows, offers no younger row and keeps the floor at what it read', () => {
    const page = takePage(startingAt(at(1, 1)), { rows: [row(2, 2), row(3, 3), row(9, 9)], horizon: 8n, pageSize: 2 });
    expect(page.full).toBe(true);
    expect(page.offers.map((offer) => Number(offer.row.position.id))).toEqual([2, 3]);
    expect(page.state.floor).toEqual(at(3, 3));
    expect(page.state.aheadCount).toBe(0);
  });

  it('with a full page, an event offered ahead that is final now does not lift the floor past rows not read yet', () => {
    let state = takePage(startingAt(at(1, 1)), { rows: [row(9, 9)], horizon: 3n, pageSize: 2 }).state;
    // Everything is final now, but the page (2 rows) stopped at (4, 4): rows between it and (9, 9) are unread.
    const page = takePage(state, { rows: [row(3, 3), row(4, 4)], horizon: 20n, pageSize: 2 });
    expect(page.state.floor).toEqual(at(4, 4));
    expect(ids(page.state.ahead.get('t1')!)).toEqual([9]);
    state = takePage(page.state, { rows: [row(5, 5)], horizon: 20n, pageSize: 2 }).state;
    expect(state).toEqual({ floor: at(9, 9), ahead: new Map(), aheadCount: 0 });
  });

  it('reports whether the floor moved (a transaction left open holds it)', () => {
    const held = takePage(startingAt(at(1, 1)), { rows: [row(9, 9)], horizon: 3n, pageSize: 500 });
    expect(held.floorMoved).toBe(false);
    expect(takePage(held.state, { rows: [], horizon: 3n, pageSize: 500 }).floorMoved).toBe(false);
  });
});

describe('a subscriber of the feed', () => {
  it('takes a live event once, even when it had it from a replay or before its cursor', () => {
    const had: ResumePoint = { floor: at(5, 5), seen: [at(9, 9)] };
    expect(receiveLive(had, { position: at(4, 4), had: { floor: at(4, 4), seen: [] } }).wanted).toBe(false);
    expect(receiveLive(had, { position: at(9, 9), had: { floor: at(5, 5), seen: [at(9, 9)] } }).wanted).toBe(false);
    const taken = receiveLive(had, { position: at(7, 7), had: { floor: at(7, 7), seen: [at(9, 9)] } });
    expect(taken).toEqual({ wanted: true, had: { floor: at(7, 7), seen: [at(9, 9)] } });
  });

  it('after a replayed event up to where the feed stood, has everything before it; past that, that event alone', () => {
    const had: ResumePoint = { floor: at(2, 2), seen: [] };
    expect(hadAfterReplayed(had, at(10, 10), at(6, 6))).toEqual({ floor: at(6, 6), seen: [] });
    expect(hadAfterReplayed(had, at(10, 10), at(12, 12))).toEqual({ floor: at(2, 2), seen: [at(12, 12)] });
  });
});

/**
 * A log written by transactions that commit in an order of their own, read by the feed now and then, followed by
 * subscribers that join, leave and resume with their cursor's resume point on the way: every event reaches each
 * once, none is missed.
 */
describe('the feed over a log of interleaved transactions', () => {
  interface Tx {
    tx: number;
    events: { id: number; tenantId: string }[];
    committed: boolean;
  }

  /** A tiny seeded generator: the same runs every time. */
  const random = (seed: number) => () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return seed / 2 ** 31;
  };

  for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
    it(`seed ${seed}: each subscriber gets each event of its tenant once, in the reader's order`, () => {
      const next = random(seed);
      const transactions: Tx[] = [];
      let nextTx = 3;
      let nextId = 1;
      const running = () => transactions.filter((t) => !t.committed);
      const snapshot = () => {
        const horizon = BigInt(Math.min(nextTx, ...running().map((t) => t.tx)));
        const rows = transactions
          .filter((t) => t.committed)
          .flatMap((t) => t.events.map((e) => ({ position: at(t.tx, e.id), tenantId: e.tenantId })))
          .sort((a, b) => (isAfter(a.position, b.position) ? 1 : -1));
        return { horizon, rows };
      };
      const pageSize = 4;
      const maxAhead = 3;
      let state = startingAt(at(0, 0));
      /** What the database would answer to `request`, from one snapshot. */
      const read = () => {
        const request = nextRead(state, maxAhead);
        const { horizon, rows } = snapshot();
        const offered = new Set(request.offered.map((p) => p.id));
        const after = rows.filter((r) => isAfter(r.position, request.from) && !offered.has(r.position.id));
        const final = after.filter((r) => r.position.tx < horizon).slice(0, pageSize);
        const younger = after.filter((r) => r.position.tx >= horizon).slice(0, request.room);
        return { rows: [...final, ...younger], horizon, pageSize };
      };

      interface Subscriber {
        tenantId: string;
        had: ResumePoint;
        got: bigint[];
      }
      const subscribers: Subscriber[] = [];
      const readAll = () => {
        for (;;) {
          const page = takePage(state, read());
          for (const offer of page.offers) {
            for (const s of subscribers) {
              if (s.tenantId !== offer.row.tenantId) continue;
              const { wanted, had } = receiveLive(s.had, { position: offer.row.position, had: offer.had });
              s.had = had;
              if (wanted) s.got.push(offer.row.position.id);
            }
          }
          state = page.state;
          if (!page.full) return;
        }
      };
      /** A subscriber resuming from `had` on this reader, as EventSubscription does: the replay (the database's answer), then live. */
      const resume = (tenantId: string, had: ResumePoint, already: bigint[]): Subscriber => {
        readAll();
        const joined = joinPoint(state, tenantId);
        const { rows } = snapshot();
        const skip = new Set(had.seen.map((p) => p.id));
        const alsoAbove = new Set(joined.seen.map((p) => p.id));
        const got = [...already];
        let point = had;
        for (const r of rows) {
          if (r.tenantId !== tenantId || !isAfter(r.position, had.floor) || skip.has(r.position.id)) continue;
          if (isAfter(r.position, joined.floor) && !alsoAbove.has(r.position.id)) continue;
          got.push(r.position.id);
          point = hadAfterReplayed(point, joined.floor, r.position);
        }
        return { tenantId, had: advance(point, joined.floor, joined.seen), got };
      };

      let resumes = 0;
      subscribers.push({ tenantId: 't1', had: joinPoint(state, 't1'), got: [] }, { tenantId: 't2', had: joinPoint(state, 't2'), got: [] });
      for (let step = 0; step < 300; step += 1) {
        const roll = next();
        if (roll < 0.35 || running().length === 0) {
          transactions.push({ tx: nextTx++, events: [], committed: false });
        } else if (roll < 0.7) {
          const open = running();
          open[Math.floor(next() * open.length)].events.push({ id: nextId++, tenantId: next() < 0.7 ? 't1' : 't2' });
        } else if (roll < 0.9) {
          const open = running();
          open[Math.floor(next() * open.length)].committed = true;
        } else {
          readAll();
          // Now and then a subscriber of t1 leaves and resumes from where its cursor says it was.
          if (next() < 0.3) {
            resumes += 1;
            const leaving = subscribers.findIndex((s) => s.tenantId === 't1');
            const [gone] = subscribers.splice(leaving, 1);
            subscribers.push(resume('t1', gone.had, gone.got));
          }
        }
      }
      for (const t of transactions) t.committed = true;
      nextTx += 1;
      readAll();
      readAll();

      for (const s of subscribers) {
        const expected = transactions.flatMap((t) => t.events.filter((e) => e.tenantId === s.tenantId).map((e) => BigInt(e.id)));
        expect(expected.length).toBeGreaterThan(10);
        expect([...s.got].sort((a, b) => Number(a - b)), s.tenantId).toEqual(expected.sort((a, b) => Number(a - b)));
      }
      expect(state.aheadCount).toBe(0);
      expect(resumes).toBeGreaterThan(0);
    });
  }
});
