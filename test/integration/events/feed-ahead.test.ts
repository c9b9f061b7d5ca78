import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { oldestOpenTransaction } from '../../../src/db/event-log-upkeep';
import { EventFeed } from '../../../src/domain/events/event-feed';
import type { DeliveredEvent, EventSubscription } from '../../../src/domain/events/event-subscription';
import { decodeFeedCursor } from '../../../src/domain/events/feed-position';
import { entraUser } from '../../fixtures/entra';
import { holdOpenWhile } from '../../helpers/commit-gate';
import { sql } from '../../helpers/database';
import { startTestPortico, type TestPortico } from '../../helpers/portico';
import { scimTenant, type ScimClient } from '../../helpers/scim';

/** Collects what a subscription delivers, in the background (until it ends or fails). */
function collect(subscription: EventSubscription) {
  const got: DeliveredEvent[] = [];
  void (async () => {
    for await (const delivered of subscription) got.push(delivered);
  })().catch(() => {});
  return got;
}

/** `count` events of a tenant ("<label> 1" …) written straight into the log in one statement through `query`. */
const insertEvents = (query: (text: string, values: unknown[]) => Promise<unknown>, tenantId: string, label: string, count: number) =>
  query(
    `insert into provisioning_events (tenant_id, type, source, actor_kind, actor_label, subject_type, summary, request_id, outcome, occurred_at)
     select $1, 'USER_CREATED', 'SYSTEM', 'SYSTEM', 'bulk', 'USER', $2 || ' ' || g, 'bulk', 'SUCCESS', now() from generate_series(1, $3::int) g`,
    [tenantId, label, count],
  );

const summaries = (got: DeliveredEvent[]) => got.map((delivered) => delivered.event.summary.replace(/^User (.*)@feed\.example created$/, '$1'));

/**
 * Issue 6, the feed's own rules: events go out as they commit, ahead of older transactions still running,
 * but never more than `maxAhead` of them; cursors taken ahead of the floor resume exactly once, on a feed
 * whose floor lags too (another process).
 */
describe('the live feed ahead of its floor', () => {
  let portico: TestPortico;
  let scim: ScimClient;
  const feeds: EventFeed[] = [];
  let waker: NodeJS.Timeout;

  beforeAll(async () => {
    portico = await startTestPortico();
    scim = await scimTenant(portico, 'feed-ahead');
    // These feeds are not on the LISTEN connection: wake them as often as a busy server would.
    waker = setInterval(() => feeds.forEach((feed) => feed.wake()), 10);
  }, 60_000);

  afterAll(async () => {
    clearInterval(waker);
    await portico?.stop();
  });

  const createUser = async (name: string) => {
    expect((await scim.request('POST', '/Users', { body: entraUser({ userName: `${name}@feed.example` }) })).status).toBe(201);
  };

  it('hands out at most maxAhead events past an older open transaction, the rest once it commits, each once', async () => {
    const feed = new EventFeed(portico.services.uow, { maxBuffered: 100, maxAhead: 3 });
    feeds.push(feed);
    const tenantId = scim.scope.tenantId;
    const live = collect(await feed.subscribe(tenantId, {}));

    const older = await holdOpenWhile(portico.services.uow, () => scim.request('POST', '/Users', { body: entraUser({ userName: 'older@feed.example' }) }));
    try {
      for (let i = 1; i <= 5; i += 1) await createUser(`young${i}`);
      await expect.poll(() => live.length, { timeout: 5_000 }).toBe(3);
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(summaries(live)).toEqual(['young1', 'young2', 'young3']); // the cap holds the rest back

      // A second feed (another process) starts while the older transaction is still open.
      const lagging = new EventFeed(portico.services.uow, { maxBuffered: 100 });
      feeds.push(lagging);
      const onLagging = collect(await lagging.subscribe(tenantId, { after: decodeFeedCursor(live[2].cursor) }));

      older.release();
      expect((await older.done).status).toBe(201);
      await expect.poll(() => live.length, { timeout: 5_000 }).toBe(6);
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(summaries(live)).toEqual(['young1', 'young2', 'young3', 'older', 'young4', 'young5']);

      // Resumed after young3 (a cursor taken while the older one was open): the rest, each once.
      await expect.poll(() => onLagging.length, { timeout: 5_000 }).toBe(3);
      const resumed = collect(await feed.subscribe(tenantId, { after: decodeFeedCursor(live[2].cursor) }));
      await createUser('after');
      await expect.poll(() => resumed.length, { timeout: 5_000 }).toBe(4);
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(summaries(resumed)).toEqual(['older', 'young4', 'young5', 'after']);
      expect(summaries(onLagging).sort()).toEqual(['after', 'older', 'young4', 'young5']);
      expect(summaries(live)).toEqual(['young1', 'young2', 'young3', 'older', 'young4', 'young5', 'after']);

      // Every cursor handed out resumes after exactly its own event.
      for (const [at, delivered] of live.entries()) {
        const from = collect(await feed.subscribe(tenantId, { after: decodeFeedCursor(delivered.cursor) }));
        await new Promise((resolve) => setTimeout(resolve, 100));
        expect(summaries(from).sort(), `after ${summaries([delivered])[0]}`).toEqual(summaries(live.slice(at + 1)).sort());
      }
    } finally {
      older.release();
    }
  });

  it('at the cap, a transaction left open does not keep the reader busy: a new subscription starts at once', async () => {
    const feed = new EventFeed(portico.services.uow, { maxBuffered: 10_000 });
    feeds.push(feed);
    const capped = await scimTenant(portico, 'feed-cap');
    const tenantId = capped.scope.tenantId;
    const first = await feed.subscribe(tenantId, {});
    const open = await holdOpenWhile(portico.services.uow, () => capped.request('POST', '/Users', { body: entraUser({ userName: 'open@feed.example' }) }));
    try {
      // 800 younger events in one committed transaction: 200 go out ahead, 600 wait for the floor.
      await insertEvents((text, values) => sql(portico.databaseUrl, text, values), tenantId, 'bulk', 800);
      await new Promise((resolve) => setTimeout(resolve, 500)); // woken every 10 ms meanwhile
      const started = performance.now();
      const second = await feed.subscribe(tenantId, {});
      expect(performance.now() - started).toBeLessThan(2_000);
      await second.return();
    } finally {
      open.release();
      await first.return();
    }
    expect((await open.done).status).toBe(201);
  }, 30_000);

  it('a cursor resumed on feed after feed while one transaction holds every floor stays one Portico accepts, and misses nothing', async () => {
    const growth = await scimTenant(portico, 'feed-growth');
    const insert = (client: pg.Client, label: string, count: number) =>
      insertEvents((text, values) => client.query(text, values), growth.scope.tenantId, label, count);
    const clients = await Promise.all(
      Array.from({ length: 7 }, async () => {
        const client = new pg.Client({ connectionString: portico.databaseUrl });
        await client.connect();
        return client;
      }),
    );
    const [older, ...groups] = clients;
    try {
      await older.query('begin');
      await insert(older, 'older', 1);
      for (const [g, client] of groups.entries()) {
        await client.query('begin');
        await insert(client, `g${g}`, 200);
      }
      // Groups commit youngest first; each time a new feed (another process) resumes the last cursor and
      // hands out the 200 it finds ahead of its floor.
      const had = new Set<string>();
      let cursor: string | null = null;
      for (const [round, client] of [...groups].reverse().entries()) {
        // The first round follows live from before its commit; later ones resume after theirs.
        if (round > 0) await client.query('commit');
        const feed = new EventFeed(portico.services.uow, { maxBuffered: 1_000 });
        feeds.push(feed);
        const got = collect(await feed.subscribe(growth.scope.tenantId, { after: cursor === null ? null : decodeFeedCursor(cursor) }));
        if (round === 0) await client.query('commit');
        await expect.poll(() => got.length, { timeout: 5_000 }).toBeGreaterThanOrEqual(200);
        got.forEach((delivered) => had.add(delivered.event.summary));
        cursor = got[got.length - 1].cursor;
      }
      expect(had.size).toBe(1200);
      // 1,200 seen past the floor: the cursor names 1,000 and is still accepted.
      expect(decodeFeedCursor(cursor!).had.seen).toHaveLength(1_000);
      await older.query('commit');
      const feed = new EventFeed(portico.services.uow, { maxBuffered: 1_000 });
      feeds.push(feed);
      const rest = collect(await feed.subscribe(growth.scope.tenantId, { after: decodeFeedCursor(cursor!) }));
      await expect.poll(() => rest.some((delivered) => delivered.event.summary === 'older 1'), { timeout: 5_000 }).toBe(true);
      // Nothing missed; what the cursor could not name may come again, never more than those 200.
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(rest.length).toBeLessThanOrEqual(201);
    } finally {
      for (const client of clients) await client.query('rollback').catch(() => {});
      for (const client of clients) await client.end();
    }
  }, 60_000);

  it('tells the operator once when a transaction left open holds the floor, and who holds it', async () => {
    const told: number[] = [];
    const feed = new EventFeed(portico.services.uow, { maxBuffered: 100, heldWarningMs: 300, onHeld: (ms) => told.push(ms) });
    feeds.push(feed);
    const live = collect(await feed.subscribe(scim.scope.tenantId, {}));
    const open = await holdOpenWhile(portico.services.uow, () => scim.request('POST', '/Users', { body: entraUser({ userName: 'left-open@feed.example' }) }));
    try {
      await createUser('waiting');
      await expect.poll(() => live.length, { timeout: 5_000 }).toBe(1); // delivered ahead all the same
      await expect.poll(() => told.length, { timeout: 5_000 }).toBe(1);
      expect(told[0]).toBeGreaterThanOrEqual(300);
      const holder = await oldestOpenTransaction(portico.orm);
      expect(holder).toMatchObject({ state: 'idle in transaction', pid: expect.any(Number) });
      expect(holder!.transactionStartedAt).toBeInstanceOf(Date);
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(told).toHaveLength(1); // once per hold, not on every read
    } finally {
      open.release();
    }
    expect((await open.done).status).toBe(201);
    await expect.poll(() => live.length, { timeout: 5_000 }).toBe(2);
    expect(await oldestOpenTransaction(portico.orm)).toBeNull();
  });
});
