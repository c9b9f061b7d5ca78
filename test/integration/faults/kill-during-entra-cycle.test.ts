import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addMembers, deactivate, entraGroup, entraUser, flagOffUserPatch, removeMembers } from '../../fixtures/entra';
import { createTestDatabase, sql } from '../../helpers/database';
import { freePort, startNode, type RunningProcess } from '../../helpers/process';
import { subscribeEvents, wsClient, type EventStream } from '../../helpers/ws';

const SEED = 20261130;
const USERS = 24;
const GROUPS = 4;
const KILLS = 3;
const OPERATOR_TOKEN = `pto_faults-${randomBytes(12).toString('hex')}`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A small seeded PRNG (mulberry32): the kill points are the same on every run. */
function seeded(seed: number) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One app process (`node dist/src/main.js`) that can be killed and started again on its port. */
class AppProcess {
  running: RunningProcess | undefined;
  up = false;
  constructor(
    readonly name: string,
    readonly port: number,
    private readonly env: Record<string, string>,
  ) {}
  get url() {
    return `http://127.0.0.1:${this.port}`;
  }
  async start() {
    this.running = startNode('dist/src/main.js', [], { ...this.env, PORT: String(this.port) });
    await this.running.waitFor(/Portico is running\./, 30_000);
    this.up = true;
  }
  kill() {
    this.up = false;
    this.running?.child.kill('SIGKILL');
  }
  async stop() {
    this.up = false;
    await this.running?.stop();
  }
}

interface CycleStats {
  requests: number;
  retriedRequests: number;
  attempts: number;
  kills: number;
}

/**
 * Entra's client: sends each request again on a connection error or a 5xx (the same request), to whichever
 * process is up; `onSend` may kill the process a request went to, at a random moment of its handling.
 */
function entraClient(
  processes: AppProcess[],
  token: string,
  slug: string,
  onSend: (target: AppProcess, index: number) => void,
  beforeRequest: () => Promise<unknown> = async () => {},
) {
  const stats: CycleStats = { requests: 0, retriedRequests: 0, attempts: 0, kills: 0 };
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const send = async (method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> => {
    // A new request waits for a killed process to be back (its retries do not: they go to the other one).
    await beforeRequest();
    const index = stats.requests++;
    for (let attempt = 1; attempt <= 200; attempt += 1) {
      const live = processes.filter((p) => p.up);
      const target = live.length === 0 ? processes[0] : live[(index + attempt) % live.length];
      stats.attempts += 1;
      if (attempt === 2) stats.retriedRequests += 1;
      const response = fetch(`${target.url}/api/${slug}/scim/v2${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body !== undefined && { 'content-type': 'application/scim+json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(10_000),
      });
      if (attempt === 1) onSend(target, index);
      try {
        const answered = await response;
        const text = await answered.text();
        if (answered.status < 500) return { status: answered.status, body: text ? JSON.parse(text) : undefined };
      } catch {
        // Connection refused or reset: the process died; Entra tries again.
      }
      await sleep(100);
    }
    throw new Error(`${method} ${path} never succeeded`);
  };

  /** Entra's create: look the object up by its key, POST when missing; a retried POST that had committed is found by the next lookup. */
  const provision = async (resource: 'Users' | 'Groups', filter: string, body: unknown): Promise<string> => {
    for (let round = 0; round < 5; round += 1) {
      const found = await send('GET', `/${resource}?${new URLSearchParams({ filter, ...(resource === 'Groups' && { excludedAttributes: 'members' }) })}`);
      expect(found.status).toBe(200);
      if (found.body.totalResults === 1) return found.body.Resources[0].id as string;
      const created = await send('POST', `/${resource}`, body);
      if (created.status === 201) return created.body.id as string;
      expect(created.status, JSON.stringify(created.body)).toBe(409);
    }
    throw new Error(`could not provision ${filter}`);
  };

  const expectStatus = async (expected: number, request: Promise<{ status: number; body: unknown }>) => {
    const { status, body } = await request;
    expect(status, JSON.stringify(body)).toBe(expected);
  };

  /** The cycle: users, groups created empty, members in batches, updates, deactivations, member removals. */
  const runCycle = async () => {
    const users: string[] = [];
    for (let i = 0; i < USERS; i += 1) {
      const userName = `person${i}@contoso.com`;
      users.push(await provision('Users', `userName eq "${userName}"`, entraUser({ userName, externalId: `person${i}`, department: `D${i % 3}` })));
    }
    const groups: string[] = [];
    for (let g = 0; g < GROUPS; g += 1) groups.push(await provision('Groups', `displayName eq "Team ${g}"`, entraGroup(`Team ${g}`)));
    for (let g = 0; g < GROUPS; g += 1) {
      const members = users.filter((_, i) => i % GROUPS === g || i % 5 === g);
      for (let from = 0; from < members.length; from += 4) await expectStatus(204, send('PATCH', `/Groups/${groups[g]}`, addMembers(members.slice(from, from + 4))));
    }
    for (let i = 0; i < USERS; i += 3) {
      await expectStatus(200, send('PATCH', `/Users/${users[i]}`, flagOffUserPatch([{ path: 'title', value: `Title ${i}` }, { path: 'displayName', value: `Person ${i}` }])));
    }
    for (let i = 1; i < USERS; i += 6) await expectStatus(200, send('PATCH', `/Users/${users[i]}`, deactivate()));
    for (let g = 0; g < GROUPS; g += 2) await expectStatus(204, send('PATCH', `/Groups/${groups[g]}`, removeMembers([users[g], users[g + 8]])));
    return stats;
  };
  return { runCycle, stats };
}

/** What a run leaves behind, by natural keys (ids differ between databases). */
async function endState(databaseUrl: string) {
  const users = await sql(
    databaseUrl,
    `select u.user_name, u.external_id, u.active, u.title, u.display_name, u.department,
            (select count(*)::int from provisioning_events e where e.subject_id = u.id::text and e.type = 'USER_CREATED') as created_events
       from users u order by u.user_name`,
  );
  const groups = await sql(
    databaseUrl,
    `select g.display_name, g.external_id,
            coalesce((select array_agg(u.user_name order by u.user_name) from group_memberships m join users u on u.id = m.user_id where m.group_id = g.id), '{}') as members,
            (select count(*)::int from provisioning_events e where e.subject_id = g.id::text and e.type = 'GROUP_CREATED') as created_events
       from idp_groups g order by g.display_name`,
  );
  // Every change's event by its type and its subject's natural key, counted: the same multiset means the same
  // changes, each once. Rejected requests (a retried POST that had committed meets 409) change nothing.
  const events = await sql<{ type: string; subject: string | null; outcome: string; n: number }>(
    databaseUrl,
    `select e.type, coalesce(u.user_name, g.display_name, e.subject_type) as subject, e.outcome, count(*)::int as n
       from provisioning_events e
       left join users u on u.id::text = e.subject_id
       left join idp_groups g on g.id::text = e.subject_id
      where e.type <> 'SCIM_REQUEST_REJECTED'
      group by 1, 2, 3 order by 1, 2, 3`,
  );
  const rejections = Number((await sql<{ n: number }>(databaseUrl, `select count(*)::int as n from provisioning_events where type = 'SCIM_REQUEST_REJECTED'`))[0].n);
  const orphanCreations = await sql(
    databaseUrl,
    `select e.id, e.type from provisioning_events e
      where (e.type = 'USER_CREATED' and not exists (select 1 from users u where u.id::text = e.subject_id))
         or (e.type = 'GROUP_CREATED' and not exists (select 1 from idp_groups g where g.id::text = e.subject_id))`,
  );
  const duplicates = await sql(
    databaseUrl,
    `select 'userName' as key, lower(user_name) as value from users group by 2 having count(*) > 1
     union all select 'externalId', external_id from users where external_id is not null group by 2 having count(*) > 1
     union all select 'group', lower(display_name) from idp_groups group by 2 having count(*) > 1`,
  );
  return { users, groups, events, rejections, orphanCreations, duplicates };
}

/**
 * Issue 11: kill -9 of an app process at random points of an Entra cycle, several times, with Entra's
 * retries: the end state equals an uninterrupted run, every change has its one event, and a subscriber
 * resuming from its last cursor gets every event once.
 */
describe('faults: kill -9 during an Entra cycle', () => {
  const started: AppProcess[] = [];
  const databases: { url: string; drop(): Promise<void> }[] = [];
  const streams: EventStream[] = [];

  const graphql = async (process: AppProcess, query: string) => {
    const response = await fetch(`${process.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${OPERATOR_TOKEN}` },
      body: JSON.stringify({ query }),
    });
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const json = (await response.json()) as { data?: any; errors?: unknown[] };
    expect(json.errors, JSON.stringify(json.errors)).toBeUndefined();
    return json.data;
  };
  const launch = async (name: string, databaseUrl: string, secretKey: string) => {
    const app = new AppProcess(name, await freePort(), {
      DATABASE_URL: databaseUrl,
      PORTICO_SECRET_KEY: secretKey,
      PORTICO_OPERATOR_TOKEN: OPERATOR_TOKEN,
      PORTICO_SCIM_RATE_PER_SECOND: '0',
      LOG_LEVEL: 'warn',
    });
    started.push(app);
    await app.start();
    return app;
  };
  /** A database with a tenant whose SCIM is on; its token. */
  const prepare = async (first: AppProcess) => {
    await graphql(first, 'mutation { createTenant(input: { slug: "contoso", name: "Contoso" }) { slug } }');
    await graphql(first, 'mutation { enableScim(tenant: "contoso") { enabled } }');
    return (await graphql(first, 'mutation { generateScimToken(tenant: "contoso") { token } }')).generateScimToken.token as string;
  };

  beforeAll(async () => {
    databases.push(await createTestDatabase(), await createTestDatabase());
  });
  afterAll(async () => {
    for (const stream of streams) await stream.close().catch(() => {});
    for (const app of started) {
      if (app.running?.child.exitCode === null) app.running.child.kill('SIGKILL');
    }
    for (const database of databases) await database.drop().catch(() => {});
  });

  it('ends as an uninterrupted run would, each change with exactly one event, and a resuming subscriber gets every event once', async () => {
    const [interrupted, reference] = databases;
    const secretKey = randomBytes(32).toString('hex');
    const [a, b, solo] = await Promise.all([
      launch('A', interrupted.url, secretKey),
      launch('B', interrupted.url, secretKey),
      launch('reference', reference.url, randomBytes(32).toString('hex')),
    ]);
    const token = await prepare(b);

    // A subscriber on B (never killed), from the newest event before the cycle.
    const history = await graphql(b, '{ provisioningEvents(tenant: "contoso", first: 1) { edges { node { id cursor } } } }');
    const before = history.provisioningEvents.edges[0].node as { id: string; cursor: string };
    const ws = wsClient(b.url, { token: OPERATOR_TOKEN });
    const firstStream = subscribeEvents(ws, { tenant: 'contoso', after: before.cursor });
    streams.push(firstStream);
    let resumedStream: EventStream | undefined;

    // Kill points: seeded request indices, each a request sent to A, killed 0-25 ms after it was sent.
    const random = seeded(SEED);
    const killAt = new Set<number>();
    while (killAt.size < KILLS) killAt.add(6 + Math.floor(random() * 60));
    const restarts: Promise<void>[] = [];
    const killLog: string[] = [];
    const client = entraClient([a, b], token, 'contoso', (target, index) => {
      if (!killAt.has(index)) return;
      if (target !== a || !a.up) {
        // A is restarting or the request went to B: kill at the next request that is no kill point already (a
        // kill moved onto another kill point was lost, and the run had one kill too few when A restarted slowly).
        let next = index + 1;
        while (killAt.has(next)) next += 1;
        killAt.add(next);
        return;
      }
      const delay = Math.floor(random() * 25);
      a.up = false;
      setTimeout(() => {
        a.kill();
        client.stats.kills += 1;
        killLog.push(`request ${index} +${delay} ms`);
        // The subscriber leaves after the second kill and resumes from its last cursor.
        if (client.stats.kills === 2) {
          const last = firstStream.events.at(-1);
          void firstStream.close();
          resumedStream = subscribeEvents(wsClient(b.url, { token: OPERATOR_TOKEN }), { tenant: 'contoso', after: last?.cursor ?? before.cursor });
          streams.push(resumedStream);
        }
        restarts.push(sleep(300).then(() => a.start()));
      }, delay);
    }, () => Promise.all(restarts));
    const stats = await client.runCycle();
    await Promise.all(restarts);

    // The same cycle, uninterrupted, on a second database.
    const referenceToken = await prepare(solo);
    const referenceStats = await entraClient([solo], referenceToken, 'contoso', () => {}).runCycle();

    const [got, expected] = await Promise.all([endState(interrupted.url), endState(reference.url)]);
    const stored = (
      await sql<{ id: string }>(interrupted.url, `select e.id::text as id from provisioning_events e join tenants t on t.id = e.tenant_id where t.slug = 'contoso' and e.id > $1 order by e.id`, [before.id])
    ).map((row) => row.id);
    if (resumedStream) await resumedStream.waitFor(stored.length - firstStream.events.length, 20_000).catch(() => {});
    const receivedIds = [...firstStream.events, ...(resumedStream?.events ?? [])].map((e) => e.id);
    const duplicatesDelivered = receivedIds.length - new Set(receivedIds).size;
    const missing = stored.filter((id) => !receivedIds.includes(id));

    console.log(
      [
        `kill -9 run (seed ${SEED}): ${stats.kills} kills of process A (${killLog.join('; ')}), ${stats.requests} requests, ` +
          `${stats.retriedRequests} retried (${stats.attempts - stats.requests} extra attempts); uninterrupted run: ${referenceStats.requests} requests, ${referenceStats.retriedRequests} retried`,
        `end state: ${got.users.length} users, ${got.groups.length} groups, ${got.groups.reduce((n, g) => n + (g.members as string[]).length, 0)} memberships; equal to the uninterrupted run: ${JSON.stringify(got.users) === JSON.stringify(expected.users) && JSON.stringify(got.groups) === JSON.stringify(expected.groups)}`,
        `events: ${got.events.reduce((n, e) => n + e.n, 0)} stored, multiset by (type, subject, outcome) equal to the uninterrupted run: ${JSON.stringify(got.events) === JSON.stringify(expected.events)}; ` +
          `creations without their object: ${got.orphanCreations.length}; duplicate keys: ${got.duplicates.length}; rejected (409 on a replayed POST): ${got.rejections}`,
        `subscriber on B: ${firstStream.events.length} events, then resumed from its last cursor: ${resumedStream?.events.length ?? 0} more; ` +
          `${stored.length} committed since it started, ${missing.length} missing, ${duplicatesDelivered} delivered twice`,
      ].join('\n'),
    );
    expect(resumedStream).toBeDefined();
    expect(stats.kills).toBeGreaterThanOrEqual(3);
    expect(stats.retriedRequests).toBeGreaterThan(0);
    expect(got.users).toEqual(expected.users);
    expect(got.groups).toEqual(expected.groups);
    expect(got.users.every((u) => u.created_events === 1)).toBe(true);
    expect(got.groups.every((g) => g.created_events === 1)).toBe(true);
    expect(got.events).toEqual(expected.events);
    expect(got.orphanCreations).toEqual([]);
    expect(got.duplicates).toEqual([]);
    expect(missing).toEqual([]);
    expect(duplicatesDelivered).toBe(0);
    expect(receivedIds.sort()).toEqual([...stored].sort());
  }, 120_000);
});
