import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPortico } from '../../../src/app';
import { loadConfig } from '../../../src/config/config';
import { createDatabaseIfMissing } from '../../../src/db/database';
import { freePort, startEmbeddedPostgres } from '../../../src/db/embedded-postgres';
import { CreateApiKeyDocument, ProvisioningEventsDocument, RevokeApiKeyDocument } from '../../generated/graphql';
import { addMembers, entraGroup, entraUser } from '../../fixtures/entra';
import { sql } from '../../helpers/database';
import { TEST_OPERATOR_TOKEN, startTestPortico, type TestPortico } from '../../helpers/portico';
import { holdOpenWhile } from '../../helpers/commit-gate';
import { startNode, type RunningProcess } from '../../helpers/process';
import { scimClient, scimTenant, type ScimClient } from '../../helpers/scim';
import { subscribeEvents, wsClient } from '../../helpers/ws';

/** Event ids of a tenant in commit-safe order, as the database has them. */
async function storedEventIds(databaseUrl: string, slug: string): Promise<string[]> {
  const rows = await sql<{ id: string }>(
    databaseUrl,
    `select e.id from provisioning_events e join tenants t on t.id = e.tenant_id where t.slug = $1 order by e.tx_id, e.id`,
    [slug],
  );
  return rows.map((row) => String(row.id));
}

const createUsers = async (scim: ScimClient, prefix: string, count: number) => {
  for (let i = 0; i < count; i += 1) {
    const response = await scim.request('POST', '/Users', { body: entraUser({ userName: `${prefix}${i}@events.example` }) });
    expect(response.status).toBe(201);
  }
};

/** Issue 6: live provisioning events over graphql-ws. */
describe('live provisioning events', () => {
  let a: TestPortico;
  let b: RunningProcess;
  let bUrl = '';
  const secretKey = randomBytes(32).toString('hex');

  beforeAll(async () => {
    a = await startTestPortico({ PORTICO_SECRET_KEY: secretKey });
    const port = await freePort();
    bUrl = `http://127.0.0.1:${port}`;
    b = startNode('dist/src/main.js', [], {
      DATABASE_URL: a.databaseUrl,
      PORT: String(port),
      PUBLIC_URL: 'https://portico.test',
      PORTICO_SECRET_KEY: secretKey,
      PORTICO_OPERATOR_TOKEN: TEST_OPERATOR_TOKEN,
      LOG_LEVEL: 'warn',
      // As startTestPortico: the writers must not outrun the per-token limit on a fast machine.
      PORTICO_SCIM_RATE_PER_SECOND: '0',
    });
    for (const deadline = Date.now() + 30_000; ; ) {
      if ((await fetch(`${bUrl}/readyz`).catch(() => null))?.status === 200) break;
      if (Date.now() > deadline) throw new Error(`process B did not start: ${b.output()}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }, 60_000);

  afterAll(async () => {
    await b?.stop();
    await a?.stop();
  });

  it('a subscriber on process A receives, in order, the events of SCIM writes sent to process B', async () => {
    const viaA = await scimTenant(a, 'two-procs');
    const toB = scimClient({ ...a, url: bUrl } as TestPortico, 'two-procs', viaA.token, viaA.scope);
    const client = wsClient(a.url, { token: TEST_OPERATOR_TOKEN });
    const stream = subscribeEvents(client, { tenant: 'two-procs' });
    await new Promise((resolve) => setTimeout(resolve, 300)); // subscribed before the writes
    const before = await storedEventIds(a.databaseUrl, 'two-procs');

    await createUsers(toB, 'b', 5);
    const group = (await toB.request('POST', '/Groups', { body: entraGroup('Engineers') })).body.id;
    const ids = (await sql<{ id: string }>(a.databaseUrl, `select id from users where user_name like 'b%@events.example'`)).map((r) => r.id);
    expect((await toB.request('PATCH', `/Groups/${group}`, { body: addMembers(ids) })).status).toBeLessThan(300);

    const sinceSubscribe = (await storedEventIds(a.databaseUrl, 'two-procs')).slice(before.length);
    expect(sinceSubscribe.length).toBeGreaterThanOrEqual(7); // 5 users, the group, the members added
    const received = await stream.waitFor(sinceSubscribe.length);
    expect(received.map((e) => e.id)).toEqual(sinceSubscribe);
    expect(received.slice(0, 5).every((e) => e.type === 'USER_CREATED')).toBe(true);
    await stream.close();
    await client.dispose();
  });

  it('resume with after: every event exactly once, while 16 writers commit concurrently', async () => {
    const scim = await scimTenant(a, 'resume');
    const client = wsClient(a.url, { token: TEST_OPERATOR_TOKEN });
    const first = subscribeEvents(client, { tenant: 'resume' });
    await new Promise((resolve) => setTimeout(resolve, 300));
    await createUsers(scim, 'early', 3);
    await first.waitFor(3);
    const got = first.events.filter((e) => e.type === 'USER_CREATED');
    expect(got).toHaveLength(3);
    await first.close();

    // Written while nobody listens, by 16 concurrent writers (ids commit out of order).
    const writers = (round: string) =>
      Promise.all(Array.from({ length: 16 }, (_, w) => createUsers(scim, `${round}-w${w}-`, 4)));
    await writers('gap');
    const resumed = subscribeEvents(client, { tenant: 'resume', after: got[2].cursor });
    // And more written while the resumed subscription replays and goes live.
    await writers('live');

    const stored = await storedEventIds(a.databaseUrl, 'resume');
    const expected = stored.slice(stored.indexOf(got[2].id) + 1);
    expect(expected).toHaveLength(16 * 4 * 2);
    await resumed.waitFor(expected.length, 20_000);
    await new Promise((resolve) => setTimeout(resolve, 300));
    // Nothing twice, nothing missing.
    const ids = resumed.events.map((e) => e.id);
    expect(ids).toHaveLength(expected.length);
    expect([...ids].sort()).toEqual([...expected].sort());
    // In commit order: each writer's users, created one after the other, arrive in that order.
    for (const round of ['gap', 'live']) {
      for (let w = 0; w < 16; w += 1) {
        const own = resumed.events.map((e) => e.summary).filter((summary) => summary.includes(`${round}-w${w}-`));
        expect(own).toEqual([0, 1, 2, 3].map((i) => `User ${round}-w${w}-${i}@events.example created`));
      }
    }
    await resumed.close();
    await client.dispose();
  });

  it('types filter, and a cursor of another tenant is refused', async () => {
    const scim = await scimTenant(a, 'filtered');
    const client = wsClient(a.url, { token: TEST_OPERATOR_TOKEN });
    const groupsOnly = subscribeEvents(client, { tenant: 'filtered', types: ['GROUP_CREATED'] });
    await new Promise((resolve) => setTimeout(resolve, 300));
    await createUsers(scim, 'f', 2);
    await scim.request('POST', '/Groups', { body: entraGroup('Only this') });
    const [event] = await groupsOnly.waitFor(1);
    expect(event.type).toBe('GROUP_CREATED');

    const [foreign] = await storedEventIds(a.databaseUrl, 'resume');
    const refused = subscribeEvents(client, { tenant: 'filtered', after: Buffer.from(JSON.stringify([foreign])).toString('base64url') });
    await refused.ended();
    expect(JSON.stringify(refused.errors)).toContain('BAD_USER_INPUT');
    await groupsOnly.close();
    await client.dispose();
  });

  it('isolation: a tenant-A connection never receives a tenant-B event, whatever it sends', async () => {
    const tenantA = await scimTenant(a, 'iso-a');
    const tenantB = await scimTenant(a, 'iso-b');
    const key = await a.gql(CreateApiKeyDocument, { tenant: 'iso-a', input: { name: 'frontend', level: 'ADMINISTRATOR' } });
    const client = wsClient(a.url, { token: key.data!.createApiKey.token });
    const own = subscribeEvents(client, {});
    const naming = subscribeEvents(client, { tenant: 'iso-b' });
    const [bEvent] = await storedEventIds(a.databaseUrl, 'iso-b');
    const withForeignCursor = subscribeEvents(client, { after: Buffer.from(JSON.stringify([bEvent])).toString('base64url') });
    await new Promise((resolve) => setTimeout(resolve, 300));
    await createUsers(tenantB, 'bee', 3);
    await createUsers(tenantA, 'ant', 1);
    const [mine] = await own.waitFor(1);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(own.events.map((e) => e.type)).toEqual(['USER_CREATED']);
    expect(mine.summary).toContain('ant0@events.example');
    await naming.ended();
    expect(naming.events).toEqual([]);
    expect(JSON.stringify(naming.errors)).toContain('FORBIDDEN');
    await withForeignCursor.ended();
    expect(withForeignCursor.events).toEqual([]);
    expect(JSON.stringify(withForeignCursor.errors)).toContain('BAD_USER_INPUT');
    await own.close();
    await client.dispose();
  });

  it('a client completing a subscription that waits on a quiet tenant ends it on the server', async () => {
    await scimTenant(a, 'quiet');
    const client = wsClient(a.url, { token: TEST_OPERATOR_TOKEN });
    const baseline = a.services.feed.subscriberCount;
    const stream = subscribeEvents(client, { tenant: 'quiet' });
    await expect.poll(() => a.services.feed.subscriberCount, { timeout: 5_000 }).toBe(baseline + 1);
    await stream.close();
    await expect.poll(() => a.services.feed.subscriberCount, { timeout: 5_000 }).toBe(baseline);
    await client.dispose();
  });

  it("load the history, then subscribe after its newest event's cursor: nothing that commits later is skipped", async () => {
    const scim = await scimTenant(a, 'history');
    await createUsers(scim, 'old', 2);
    // Writer A pauses between its insert and its commit; writer B commits meanwhile.
    const writerA = await holdOpenWhile(a.services.uow, () => scim.request('POST', '/Users', { body: entraUser({ userName: 'slow-writer@events.example' }) }));
    await createUsers(scim, 'fast-writer', 1);
    // The frontend loads the history now: B is committed but not shown yet (A may still precede it).
    const history = await a.gql(ProvisioningEventsDocument, { tenant: 'history', first: 10 });
    const summaries = history.data!.provisioningEvents.edges.map((e) => e.node.summary);
    expect(summaries.join()).not.toContain('fast-writer');
    const newest = history.data!.provisioningEvents.edges[0].node.cursor;
    writerA.release();
    expect((await writerA.done).status).toBe(201);
    // The list's paging cursor is not a subscription cursor.
    const client = wsClient(a.url, { token: TEST_OPERATOR_TOKEN });
    const refused = subscribeEvents(client, { tenant: 'history', after: history.data!.provisioningEvents.edges[0].cursor });
    await refused.ended();
    expect(JSON.stringify(refused.errors)).toContain('BAD_USER_INPUT');
    const resumed = subscribeEvents(client, { tenant: 'history', after: newest });
    const received = await resumed.waitFor(2);
    expect(received.map((e) => e.summary).sort()).toEqual([
      'User fast-writer0@events.example created',
      'User slow-writer@events.example created',
    ]);
    await resumed.close();
    await client.dispose();
  });

  it('an event goes out as soon as it commits, ahead of an older transaction still running; its cursor resumes exactly once', async () => {
    const scim = await scimTenant(a, 'ahead');
    const client = wsClient(a.url, { token: TEST_OPERATOR_TOKEN });
    const live = subscribeEvents(client, { tenant: 'ahead' });
    await new Promise((resolve) => setTimeout(resolve, 300));
    // Writer A pauses between its insert and its commit; writer B commits meanwhile.
    const writerA = await holdOpenWhile(a.services.uow, () => scim.request('POST', '/Users', { body: entraUser({ userName: 'older@events.example' }) }));
    try {
      await createUsers(scim, 'younger', 1);
      // B is delivered while A is still open: it does not wait for the older transaction.
      const [younger] = await live.waitFor(1);
      expect(younger.summary).toBe('User younger0@events.example created');
      await live.close();

      writerA.release();
      expect((await writerA.done).status).toBe(201);
      await createUsers(scim, 'later', 1);
      // Resuming after B delivers A (older, committed after B was delivered) and what followed, never B again.
      const resumed = subscribeEvents(client, { tenant: 'ahead', after: younger.cursor });
      const received = await resumed.waitFor(2);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(resumed.events.map((e) => e.summary)).toEqual(['User older@events.example created', 'User later0@events.example created']);
      // And resuming after A, from its own cursor, gives only what followed it.
      const fromOlder = subscribeEvents(client, { tenant: 'ahead', after: received[0].cursor });
      await fromOlder.waitFor(1);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(fromOlder.events.map((e) => e.summary)).toEqual(['User later0@events.example created']);
      await resumed.close();
      await fromOlder.close();
    } finally {
      writerA.release();
      await client.dispose();
    }
  });

  it('a revoked API key stops receiving events', async () => {
    const scim = await scimTenant(a, 'revoked');
    const key = await a.gql(CreateApiKeyDocument, { tenant: 'revoked', input: { name: 'dashboard', level: 'ADMINISTRATOR' } });
    const client = wsClient(a.url, { token: key.data!.createApiKey.token });
    const stream = subscribeEvents(client, {});
    await new Promise((resolve) => setTimeout(resolve, 300));
    await createUsers(scim, 'before-revoke', 1);
    await stream.waitFor(1);
    await a.gql(RevokeApiKeyDocument, { tenant: 'revoked', id: key.data!.createApiKey.apiKey.id });
    await new Promise((resolve) => setTimeout(resolve, 5_200));
    await createUsers(scim, 'after-revoke', 1);
    await stream.ended();
    // Within 5 s of the revocation (its own event included) delivery may go on; after that, nothing.
    expect(stream.events.map((e) => e.summary).join()).not.toContain('after-revoke');
    expect(JSON.stringify(stream.errors)).toContain('UNAUTHENTICATED');
    await client.dispose();
  }, 20_000);

  it('refuses a connection with a bad token, and a subscription without credentials', async () => {
    const bad = subscribeEvents(wsClient(a.url, { token: 'pto_not-a-real-token-at-all' }), { tenant: 'resume' });
    await bad.ended();
    expect(bad.events).toEqual([]);
    const anonymous = subscribeEvents(wsClient(a.url, {}), { tenant: 'resume' });
    await anonymous.ended();
    expect(JSON.stringify(anonymous.errors)).toContain('UNAUTHENTICATED');
  });
});

describe('live events across a database restart', () => {
  it('the subscription recovers and no event committed after the restart is missed', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'portico-restart-'));
    const port = await freePort();
    let cluster = await startEmbeddedPostgres({ dataDir, persistent: true, port });
    await createDatabaseIfMissing(cluster.adminUrl, 'portico');
    const portico = await startPortico(
      loadConfig({
        DATABASE_URL: cluster.urlFor('portico'),
        PORT: '0',
        PUBLIC_URL: 'https://portico.test',
        PORTICO_SECRET_KEY: randomBytes(32).toString('hex'),
        PORTICO_OPERATOR_TOKEN: TEST_OPERATOR_TOKEN,
        LOG_LEVEL: 'silent',
      }),
    );
    try {
      const scim = await scimTenant(Object.assign(portico, { databaseUrl: cluster.urlFor('portico'), operatorToken: TEST_OPERATOR_TOKEN }) as never, 'restart');
      const client = wsClient(portico.url, { token: TEST_OPERATOR_TOKEN });
      const stream = subscribeEvents(client, { tenant: 'restart' });
      await new Promise((resolve) => setTimeout(resolve, 300));
      await createUsers(scim, 'before', 2);
      await stream.waitFor(2);

      const before = await storedEventIds(cluster.urlFor('portico'), 'restart');
      await cluster.stop();
      cluster = await startEmbeddedPostgres({ dataDir, persistent: true, port });
      // Writes succeed again as soon as the pool has fresh connections; the first may fail with the old ones.
      let written = 0;
      for (let attempt = 0; written < 5 && attempt < 50; attempt += 1) {
        const response = await scim.request('POST', '/Users', { body: entraUser({ userName: `after${written}@events.example` }) });
        if (response.status === 201) written += 1;
        else await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(written).toBe(5);
      const expected = [...before.slice(-2), ...(await storedEventIds(cluster.urlFor('portico'), 'restart')).slice(before.length)];
      expect(expected).toHaveLength(7);
      const received = await stream.waitFor(expected.length, 20_000);
      expect(received.map((e) => e.id)).toEqual(expected);
      expect(stream.errors).toEqual([]);
      await stream.close();
      await client.dispose();
    } finally {
      await portico.close();
      await cluster.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 90_000);
});

describe('a slow subscriber', () => {
  let portico: TestPortico;

  beforeAll(async () => {
    portico = await startTestPortico({ PORTICO_SUBSCRIBER_BUFFER: '10' });
  }, 60_000);

  afterAll(async () => {
    await portico?.stop();
  });

  it('is closed with SUBSCRIBER_TOO_SLOW once it falls 10 events behind, without holding back writers or others', async () => {
    const scim = await scimTenant(portico, 'slow');
    const scope = scim.scope;
    const slow = await portico.services.events.subscribe(scope, {});
    const fast = await portico.services.events.subscribe(scope, {});
    const fastIds: string[] = [];
    const reading = (async () => {
      for await (const event of { [Symbol.asyncIterator]: () => fast }) {
        fastIds.push(event.event.id);
        if (fastIds.length === 30) break;
      }
    })();
    const started = Date.now();
    await createUsers(scim, 'slow', 30); // the slow subscriber reads nothing meanwhile
    expect(Date.now() - started).toBeLessThan(15_000);
    await reading;
    expect(fastIds).toHaveLength(30);
    await expect(slow.next()).rejects.toMatchObject({ code: 'SUBSCRIBER_TOO_SLOW' });
    expect(await slow.next()).toEqual({ done: true, value: undefined });
  });
});
