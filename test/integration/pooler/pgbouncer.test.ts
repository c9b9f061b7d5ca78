import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addMembers, deactivate, entraGroup, entraUser, flagOffUserPatch, flagOnUserPatch, removeMembers } from '../../fixtures/entra';
import { pgbouncerExecutable, startPgBouncer, type PgBouncer } from '../../fixtures/pgbouncer';
import { createTestDatabase, sql } from '../../helpers/database';
import { freePort, startNode, type RunningProcess } from '../../helpers/process';
import { subscribeEvents, wsClient, type EventStream } from '../../helpers/ws';

const USERS = 150;
const GROUPS = 6;
const CONCURRENCY = 16;
const OPERATOR_TOKEN = `pto_pooler-${randomBytes(12).toString('hex')}`;
const PGBOUNCER = pgbouncerExecutable();

// CI installs pgbouncer (.ci/run); only a machine without it skips, and says so.
if (!PGBOUNCER && !process.env.CI) console.warn('SKIPPED the PgBouncer test: pgbouncer is not installed (apt-get install -y pgbouncer)');

/** Runs `work` over `items` with at most `concurrency` in flight. */
async function inParallel<T>(items: T[], work: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(CONCURRENCY, items.length) }, async () => {
      while (next < items.length) {
        const index = next++;
        await work(items[index], index);
      }
    }),
  );
}

/**
 * Issue 14, acceptance 5: Portico behind PgBouncer 1.18 in transaction pooling mode (each transaction on
 * whichever server connection is free; no prepared statements across them, no session state), with the live
 * feed's LISTEN on a direct connection (PORTICO_LISTEN_DATABASE_URL). Two app processes start together through
 * the pooler (migrations take turns), serve a concurrent Entra cycle with zero errors, and a live subscriber on
 * each gets every event, as it commits.
 */
describe.runIf(PGBOUNCER || process.env.CI)('Portico behind PgBouncer in transaction mode', () => {
  let database: { url: string; drop(): Promise<void> };
  let bouncer: PgBouncer | undefined;
  const apps: RunningProcess[] = [];
  const origins: string[] = [];
  const streams: EventStream[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    bouncer = await startPgBouncer({ upstreamUrl: database.url, poolMode: 'transaction', poolSize: 8 });
    const secretKey = randomBytes(32).toString('hex');
    // Both at once, as after a deploy: each migrates under the migration lock, through the pooler.
    await Promise.all(
      ['A', 'B'].map(async () => {
        const port = await freePort();
        const app = startNode('dist/src/main.js', [], {
          DATABASE_URL: bouncer!.url,
          PORTICO_LISTEN_DATABASE_URL: database.url,
          PORTICO_SECRET_KEY: secretKey,
          PORTICO_OPERATOR_TOKEN: OPERATOR_TOKEN,
          PORTICO_SCIM_RATE_PER_SECOND: '0',
          PORT: String(port),
          LOG_LEVEL: 'warn',
        });
        apps.push(app);
        origins.push(`http://127.0.0.1:${port}`);
        await app.waitFor(/Portico is running\./, 30_000);
      }),
    );
  }, 60_000);

  afterAll(async () => {
    for (const stream of streams) await stream.close().catch(() => {});
    for (const app of apps) await app.stop();
    await bouncer?.stop();
    await database?.drop();
  });

  const graphql = async (origin: string, query: string) => {
    const response = await fetch(`${origin}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${OPERATOR_TOKEN}` },
      body: JSON.stringify({ query }),
    });
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const json = (await response.json()) as { data?: any; errors?: unknown[] };
    expect(json.errors, JSON.stringify(json.errors)).toBeUndefined();
    return json.data;
  };

  it('serves a concurrent Entra cycle with zero errors, and every event reaches a live subscriber on each process as it commits', async () => {
    expect(bouncer!.version).toMatch(/^PgBouncer /);
    const [a, b] = origins;
    await graphql(a, 'mutation { createTenant(input: { slug: "pooled", name: "Pooled" }) { slug } }');
    await graphql(b, 'mutation { enableScim(tenant: "pooled") { enabled } }');
    const token = (await graphql(a, 'mutation { generateScimToken(tenant: "pooled") { token } }')).generateScimToken.token as string;
    const history = await graphql(b, '{ provisioningEvents(tenant: "pooled", first: 1) { edges { node { id cursor } } } }');
    const before = history.provisioningEvents.edges[0].node as { id: string; cursor: string };
    for (const origin of origins) {
      const stream = subscribeEvents(wsClient(origin, { token: OPERATOR_TOKEN }), { tenant: 'pooled', after: before.cursor });
      streams.push(stream);
    }

    // Requests alternate between the two processes; every answer is checked, and every 5xx kept to show.
    let sent = 0;
    const failures: string[] = [];
    const statuses = new Map<number, number>();
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const send = async (method: string, path: string, expected: number, body?: unknown): Promise<any> => {
      const origin = origins[sent++ % origins.length];
      const response = await fetch(`${origin}/api/pooled/scim/v2${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body !== undefined && { 'content-type': 'application/scim+json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
      if (response.status !== expected) failures.push(`${method} ${path} → ${response.status} (expected ${expected}): ${text.slice(0, 300)}`);
      return text ? JSON.parse(text) : undefined;
    };

    const userIds: string[] = new Array(USERS);
    await inParallel(
      Array.from({ length: USERS }, (_, i) => i),
      async (i) => {
        const userName = `pooled${i}@contoso.com`;
        const found = await send('GET', `/Users?${new URLSearchParams({ filter: `userName eq "${userName}"` })}`, 200);
        expect(found?.totalResults).toBe(0);
        userIds[i] = (await send('POST', '/Users', 201, entraUser({ userName, externalId: `pooled${i}`, department: `D${i % 4}` }))).id;
      },
    );
    const groupIds: string[] = new Array(GROUPS);
    await inParallel(
      Array.from({ length: GROUPS }, (_, g) => g),
      async (g) => {
        await send('GET', `/Groups?${new URLSearchParams({ filter: `displayName eq "Pooled ${g}"`, excludedAttributes: 'members' })}`, 200);
        groupIds[g] = (await send('POST', '/Groups', 201, entraGroup(`Pooled ${g}`))).id;
      },
    );
    // Member batches of 5, several on the same group at once (they take the group's row lock in turn).
    const batches: { group: string; members: string[] }[] = [];
    for (let g = 0; g < GROUPS; g += 1) {
      const members = userIds.filter((_, i) => i % GROUPS === g || i % 7 === g);
      for (let from = 0; from < members.length; from += 5) batches.push({ group: groupIds[g], members: members.slice(from, from + 5) });
    }
    await inParallel(batches, ({ group, members }) => send('PATCH', `/Groups/${group}`, 204, addMembers(members)));
    await inParallel(userIds, async (id, i) => {
      const patch =
        i % 2 === 0
          ? flagOffUserPatch([{ path: 'title', value: `Title ${i}` }, { path: 'displayName', value: `Pooled ${i}` }])
          : flagOnUserPatch('replace', { title: `Title ${i}`, 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department': `E${i % 3}` });
      await send('PATCH', `/Users/${id}`, 200, patch);
      if (i % 3 === 0) await send('GET', `/Users/${id}`, 200);
    });
    await inParallel(
      userIds.filter((_, i) => i % 7 === 1),
      (id) => send('PATCH', `/Users/${id}`, 200, deactivate()),
    );
    await inParallel(groupIds, (id, g) => send('PATCH', `/Groups/${id}`, 204, removeMembers([userIds[g], userIds[g + GROUPS]])));
    await inParallel([1, 51, 101], (startIndex) => send('GET', `/Users?startIndex=${startIndex}&count=50`, 200));
    await inParallel(
      userIds.filter((_, i) => i % 15 === 2),
      (id) => send('DELETE', `/Users/${id}`, 204),
    );

    // Every event committed since the subscribers' cursor reaches both, once each (in commit order, which need
    // not be the order of ids).
    const stored = (
      await sql<{ id: string }>(
        database.url,
        `select e.id::text as id from provisioning_events e join tenants t on t.id = e.tenant_id where t.slug = 'pooled' and e.id > $1 order by e.id`,
        [before.id],
      )
    ).map((row) => row.id);
    await Promise.all(streams.map((stream) => stream.waitFor(stored.length, 20_000).catch(() => {})));
    const received = streams.map((stream) => stream.events.map((e) => e.id));

    // Live: a change made on A reaches B's subscriber as it commits (B's LISTEN hears A's commit), not on
    // the feed's one-second safety poll.
    const delays: number[] = [];
    for (let k = 0; k < 15; k += 1) {
      const response = await fetch(`${a}/api/pooled/scim/v2/Users/${userIds[k * 3]}`, {
        method: 'PATCH',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json' },
        body: JSON.stringify(flagOffUserPatch([{ path: 'title', value: `Live ${k}` }])),
      });
      const answered = performance.now();
      expect(response.status).toBe(200);
      const [{ n }] = await sql<{ n: number }>(
        database.url,
        `select count(*)::int as n from provisioning_events e join tenants t on t.id = e.tenant_id where t.slug = 'pooled' and e.id > $1`,
        [before.id],
      );
      await streams[1].waitFor(n, 5_000);
      delays.push(performance.now() - answered);
    }
    delays.sort((x, y) => x - y);
    const median = delays[Math.floor(delays.length / 2)];

    const total = [...statuses.values()].reduce((sum, n) => sum + n, 0);
    const serverErrors = [...statuses].filter(([status]) => status >= 500).reduce((sum, [, n]) => sum + n, 0);
    console.log(
      [
        `${bouncer!.version}, pool_mode=transaction, 8 server connections; 2 Portico processes (20 connections each) through it, LISTEN direct`,
        `Entra cycle: ${total} requests at concurrency ${CONCURRENCY}, statuses ${JSON.stringify(Object.fromEntries(statuses))}, ${serverErrors} 5xx, ${failures.length} unexpected`,
        `events: ${stored.length} committed during the cycle; the subscriber on A got ${received[0].length}, on B ${received[1].length}`,
        `live delivery A → B after the response: median ${median.toFixed(1)} ms, max ${delays.at(-1)!.toFixed(1)} ms`,
      ].join('\n'),
    );
    expect(failures.slice(0, 10), `${failures.length} unexpected answers`).toEqual([]);
    expect(serverErrors).toBe(0);
    expect(total).toBeGreaterThan(500);
    for (const [i, stream] of streams.entries()) {
      expect(stream.errors).toEqual([]);
      expect(new Set(received[i]).size).toBe(received[i].length);
      expect([...received[i]].sort()).toEqual([...stored].sort());
    }
    // The feed's safety poll runs once a second: a median this low means the notifications arrive.
    expect(median).toBeLessThan(250);
    // Nothing a process logged points at the pooler (a prepared statement or a lost LISTEN).
    for (const app of apps) expect(app.output()).not.toMatch(/prepared statement|listen/i);
  }, 120_000);

  it('tells an operator whose LISTEN goes through the pooler to give it a direct connection', async () => {
    const port = await freePort();
    const app = startNode('dist/src/main.js', [], {
      DATABASE_URL: bouncer!.url,
      PORTICO_SECRET_KEY: randomBytes(32).toString('hex'),
      PORTICO_OPERATOR_TOKEN: OPERATOR_TOKEN,
      PORT: String(port),
      LOG_LEVEL: 'warn',
    });
    apps.push(app);
    const output = await app.waitFor(/did not hear a notification/, 30_000);
    expect(output).toContain('set PORTICO_LISTEN_DATABASE_URL to a direct connection');
  }, 40_000);
});
