import { describe, expect, it } from 'vitest';
import { EventFeed } from '../src/domain/events/event-feed';

/** A fake store: every event is "final" (no running transaction) unless listed in `held`. */
function fakeStore() {
  const events: { tx: number; id: number; tenant_id: string; type: string }[] = [];
  const calls: string[] = [];
  let gate: { reached: () => void; wait: Promise<void> } | null = null;
  let failNextStart = false;
  const em = {
    map: (_cls: unknown, cols: Record<string, unknown>) => ({ id: String(cols.id), tenantId: cols.tenant_id, type: cols.type }),
    execute: async (sql: string, params: unknown[] = []) => {
      if (sql.includes('order by tx_id desc')) {
        calls.push('start');
        if (failNextStart) {
          failNextStart = false;
          throw new Error('connect ECONNREFUSED (database restarting)');
        }
        const last = events.at(-1);
        return last ? [{ tx: String(last.tx), id: String(last.id) }] : [];
      }
      if (sql.includes('with horizon')) {
        calls.push('fetch');
        if (gate) {
          const g = gate;
          gate = null;
          g.reached();
          await g.wait;
        }
        const [tx, id] = params.map(Number);
        return events
          .filter((e) => e.tx > tx || (e.tx === tx && e.id > id))
          .slice(0, 500)
          .map((e) => ({ ...e, tx_id: String(e.tx), feed_tx: String(e.tx), id: String(e.id), held: false }));
      }
      if (sql.includes('select tx_id::text as tx from provisioning_events where tenant_id')) {
        const e = events.find((x) => x.tenant_id === params[0] && String(x.id) === params[1]);
        return e ? [{ tx: String(e.tx) }] : [];
      }
      if (sql.includes('select e.*, e.tx_id::text as feed_tx from provisioning_events e')) {
        calls.push('replay');
        const [tenant, ftx, fid, utx, uid] = params as string[];
        return events
          .filter((e) => e.tenant_id === tenant)
          .filter((e) => e.tx > +ftx || (e.tx === +ftx && e.id > +fid))
          .filter((e) => e.tx < +utx || (e.tx === +utx && e.id <= +uid))
          .map((e) => ({ ...e, tx_id: String(e.tx), feed_tx: String(e.tx), id: String(e.id) }));
      }
      throw new Error(`unexpected ${sql}`);
    },
  };
  return {
    events,
    calls,
    add: (n: number, tenant = 't') => {
      for (let i = 0; i < n; i += 1) {
        const id = (events.at(-1)?.id ?? 0) + 1;
        events.push({ tx: id, id, tenant_id: tenant, type: 'USER_CREATED' });
      }
    },
    failNextStart: () => {
      failNextStart = true;
    },
    gateNextFetch: () => {
      let reached!: () => void;
      let release!: () => void;
      const reachedP = new Promise<void>((r) => (reached = r));
      const wait = new Promise<void>((r) => (release = r));
      gate = { reached, wait };
      return { reached: reachedP, release };
    },
    uow: { read: async <T>(work: (em: never) => Promise<T>) => work(em as never) },
  };
}

const fetchNow = (feed: EventFeed) => (feed as unknown as { fetch(): Promise<void> }).fetch();
const feedPosition = (feed: EventFeed) => (feed as unknown as { position: unknown }).position;

describe('review: EventFeed', () => {
  it('a failed start() is cached: after one DB error at the first subscribe, every later subscribe fails', async () => {
    const store = fakeStore();
    store.add(3);
    const feed = new EventFeed(store.uow as never, { maxBuffered: 10 });
    store.failNextStart();
    await expect(feed.subscribe('t', {})).rejects.toThrow(/ECONNREFUSED/);
    // The database is back.
    const second = await feed.subscribe('t', {}).then(
      () => 'ok',
      (e: Error) => `rejected: ${e.message}`,
    );
    expect(store.calls.filter((c) => c === 'start')).toHaveLength(1); // never asked again
    expect(second).toBe('ok'); // FAILS: "rejected: connect ECONNREFUSED"
  });

  it('the last subscriber leaving while a resume subscribe awaits fetch(): joinedAt is null, the replay is skipped, a gap', async () => {
    const store = fakeStore();
    store.add(3); // E1..E3
    const feed = new EventFeed(store.uow as never, { maxBuffered: 100 });
    const s1 = await feed.subscribe('t', {});
    const gate = store.gateNextFetch();
    const resuming = feed.subscribe('t', { afterEventId: '1' }); // wants E2, E3, then live
    await gate.reached;
    await s1.return(); // the only other subscriber leaves
    gate.release();
    const s2 = await resuming;
    expect(feedPosition(feed)).toBeNull(); // the feed is stopped although s2 is registered
    expect(feed.subscriberCount).toBe(1);
    store.add(2); // E4, E5 committed: nobody reads them (wake() returns early while position is null)
    feed.wake();
    await new Promise((r) => setTimeout(r, 30));
    // Another client subscribes: the feed restarts from "now" (E5).
    const s3 = await feed.subscribe('t', {});
    store.add(1); // E6
    await fetchNow(feed);
    const first = await s2.next();
    await s2.return();
    await s3.return();
    expect(store.calls).not.toContain('replay'); // the replay never ran
    expect(first.value?.id).toBe('2'); // FAILS: s2 gets E6 first; E2..E5 are lost
  });

  it('a too-slow removal of the last subscriber inside the offer loop resurrects the position (the reset is undone)', async () => {
    const store = fakeStore();
    const feed = new EventFeed(store.uow as never, { maxBuffered: 1 });
    const slow = await feed.subscribe('t', {});
    store.add(3);
    await fetchNow(feed); // offers E1 (buffered), E2 -> SUBSCRIBER_TOO_SLOW -> remove -> reset, then position = E2, E3
    await expect(slow.next()).resolves.toBeDefined();
    expect(feed.subscriberCount).toBe(0);
    const position = feedPosition(feed);
    // Next subscriber much later: start() returns the stale position and never asks for "now"; the
    // subscribe then pages through everything committed since (here 5000 events, 11 reads) before returning.
    store.add(5000);
    const before = store.calls.length;
    await feed.subscribe('t', {});
    const reads = store.calls.slice(before);
    expect({ position, reads: reads.length }).toEqual({ position: null, reads: 2 }); // FAILS: position {tx:3,id:3}, 1 fetch x 11 pages
  });
});
