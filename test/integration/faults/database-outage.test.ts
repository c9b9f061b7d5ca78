import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPortico, type Portico } from '../../../src/app';
import { loadConfig } from '../../../src/config/config';
import { createDatabaseIfMissing } from '../../../src/db/database';
import { freePort, startEmbeddedPostgres, type EmbeddedDatabase } from '../../../src/db/embedded-postgres';
import { entraUser } from '../../fixtures/entra';
import { sql } from '../../helpers/database';
import { createTenant, TEST_OPERATOR_TOKEN, type TestPortico } from '../../helpers/portico';
import { scimClient, type ScimClient } from '../../helpers/scim';
import { subscribeEvents, wsClient, type EventStream } from '../../helpers/ws';

const OUTAGE_MS = 10_000;
const ANSWER_WITHIN_MS = 5_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Answer {
  kind: 'scim-get' | 'scim-post' | 'graphql' | 'readyz';
  startedAt: number;
  endedAt: number;
  status: number | 'hung' | 'network-error';
  retryAfter: string | null;
  body: unknown;
}

/**
 * Issue 11: PostgreSQL stopped (immediate shutdown) for 10 s under SCIM and GraphQL load, then started again.
 * The cluster is this file's own: the shared test cluster is never stopped.
 */
describe('faults: PostgreSQL stopped under load, then started', () => {
  let dataDir: string;
  let port: number;
  let cluster: EmbeddedDatabase | undefined;
  let databaseUrl: string;
  let portico: Portico | undefined;
  let scim: ScimClient;
  let stream: EventStream | undefined;
  let firstEventId = 0;

  const postmasterPid = () => Number(readFileSync(path.join(dataDir, 'pg', 'postmaster.pid'), 'utf8').split('\n')[0]);
  const alive = (pid: number) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'portico-outage-'));
    port = await freePort();
    cluster = await startEmbeddedPostgres({ dataDir, persistent: true, port });
    await createDatabaseIfMissing(cluster.adminUrl, 'portico');
    databaseUrl = cluster.urlFor('portico');
    portico = await startPortico(
      loadConfig({
        DATABASE_URL: databaseUrl,
        PORT: '0',
        PUBLIC_URL: 'https://portico.test',
        PORTICO_SECRET_KEY: randomBytes(32).toString('hex'),
        PORTICO_OPERATOR_TOKEN: TEST_OPERATOR_TOKEN,
        LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
        PORTICO_SCIM_RATE_PER_SECOND: '0',
      }),
    );
    const scope = await createTenant(portico, 'contoso');
    await portico.services.credentials.setScimEnabled(scope, true);
    const { token } = await portico.services.credentials.generateScimToken(scope);
    scim = scimClient(portico as TestPortico, 'contoso', token, scope);
    stream = subscribeEvents(wsClient(portico.url, { token: TEST_OPERATOR_TOKEN }), { tenant: 'contoso' });
    // Write until the subscriber sees a write: from that event on, it must receive every one.
    for (let i = 0; stream.events.length === 0 && i < 20; i += 1) {
      expect((await scim.post('/Users', entraUser({ userName: `probe${i}@contoso.com` }))).status).toBe(201);
      await stream.waitFor(1, 1_000).catch(() => {});
    }
    firstEventId = Number(stream.events[0].id) - 1;
  });
  afterAll(async () => {
    await stream?.close();
    await portico?.close().catch(() => {});
    if (existsSync(path.join(dataDir, 'pg', 'postmaster.pid')) && alive(postmasterPid())) await cluster?.stop().catch(() => {});
    await rm(dataDir, { recursive: true, force: true });
  });

  it('answers 503 with Retry-After within 5 s while it is down, none hangs, /readyz is 503; then serves again and the live feed misses nothing', async () => {
    for (let i = 0; i < 3; i += 1) expect((await scim.post('/Users', entraUser({ userName: `before${i}@contoso.com` }))).status).toBe(201);
    await stream!.waitFor(4, 10_000);

    const answers: Answer[] = [];
    const call = async (kind: Answer['kind'], request: () => Promise<Response>) => {
      const startedAt = Date.now();
      try {
        const response = await request();
        const text = await response.text();
        answers.push({ kind, startedAt, endedAt: Date.now(), status: response.status, retryAfter: response.headers.get('retry-after'), body: text ? JSON.parse(text) : undefined });
      } catch (error) {
        const hung = (error as Error).name === 'TimeoutError';
        answers.push({ kind, startedAt, endedAt: Date.now(), status: hung ? 'hung' : 'network-error', retryAfter: null, body: String(error) });
      }
    };
    const bounded = () => AbortSignal.timeout(15_000);
    const auth = { authorization: `Bearer ${scim.token}`, 'content-type': 'application/scim+json' };
    let loading = true;
    let n = 0;
    const worker = async (w: number) => {
      for (let round = 0; loading; round += 1) {
        n += 1;
        const i = n;
        const pick = (round + w) % 3;
        if (pick === 0) {
          await call('scim-get', () => fetch(`${scim.baseUrl}/Users?filter=${encodeURIComponent(`userName eq "load${i}@contoso.com"`)}`, { headers: auth, signal: bounded() }));
        } else if (pick === 1) {
          await call('scim-post', () => fetch(`${scim.baseUrl}/Users`, { method: 'POST', headers: auth, body: JSON.stringify(entraUser({ userName: `load${i}@contoso.com` })), signal: bounded() }));
        } else {
          await call('graphql', () =>
            fetch(`${portico!.url}/graphql`, {
              method: 'POST',
              headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_OPERATOR_TOKEN}` },
              body: JSON.stringify({ query: '{ users(tenant: "contoso", first: 3) { totalCount } }' }),
              signal: bounded(),
            }),
          );
        }
        await sleep(50);
      }
    };
    const workers = [0, 1, 2].map(worker);
    await sleep(1_000);

    // Immediate shutdown (SIGQUIT to the postmaster): backends die without finishing anything.
    const pid = postmasterPid();
    process.kill(pid, 'SIGQUIT');
    while (alive(pid)) await sleep(20);
    const stoppedAt = Date.now();
    const readyDuring: Answer[] = [];
    while (Date.now() - stoppedAt < OUTAGE_MS) {
      await call('readyz', () => fetch(`${portico!.url}/readyz`, { signal: bounded() }));
      readyDuring.push(answers.at(-1)!);
      await sleep(1_000);
    }
    const restartingAt = Date.now();
    cluster = await startEmbeddedPostgres({ dataDir, persistent: true, port });

    // The same process serves again.
    let served = false;
    for (const deadline = Date.now() + 15_000; !served && Date.now() < deadline; await sleep(200)) {
      served = (await scim.get('/Users', { filter: 'userName eq "before0@contoso.com"' })).status === 200;
    }
    expect(served).toBe(true);
    await sleep(1_000);
    loading = false;
    await Promise.all(workers);
    expect((await fetch(`${portico!.url}/readyz`)).status).toBe(200);

    // Nothing hung, nothing failed otherwise than 503, and each answer came within 5 s.
    const outage = answers.filter((a) => a.kind !== 'readyz' && a.startedAt >= stoppedAt && a.endedAt < restartingAt);
    const byKind = (kind: Answer['kind']) => outage.filter((a) => a.kind === kind).length;
    console.log(
      `outage: ${outage.length} requests during ${OUTAGE_MS} ms (scim-get ${byKind('scim-get')}, scim-post ${byKind('scim-post')}, graphql ${byKind('graphql')}); ` +
        `slowest ${Math.max(...answers.map((a) => a.endedAt - a.startedAt))} ms; /readyz ${readyDuring.map((a) => a.status).join(',')}`,
    );
    expect(byKind('scim-get')).toBeGreaterThan(3);
    expect(byKind('scim-post')).toBeGreaterThan(3);
    expect(byKind('graphql')).toBeGreaterThan(3);
    for (const answer of answers) {
      expect([200, 201, 503], JSON.stringify(answer)).toContain(answer.status);
      expect(answer.endedAt - answer.startedAt, JSON.stringify(answer)).toBeLessThan(ANSWER_WITHIN_MS);
      if (answer.status !== 503 || answer.kind === 'readyz') continue;
      expect(answer.retryAfter, JSON.stringify(answer)).toMatch(/^\d+$/);
      if (answer.kind === 'graphql') {
        expect(answer.body).toMatchObject({ errors: [{ extensions: { code: 'SERVICE_UNAVAILABLE' } }] });
      } else {
        expect(answer.body).toMatchObject({ schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '503' });
      }
    }
    for (const answer of outage) expect(answer.status, JSON.stringify(answer)).toBe(503);
    expect(readyDuring.length).toBeGreaterThan(5);
    for (const answer of readyDuring) expect(answer.status).toBe(503);

    // The live feed resumed on its own: every event committed since it started arrives once, none missing.
    for (let i = 0; i < 3; i += 1) expect((await scim.post('/Users', entraUser({ userName: `after${i}@contoso.com` }))).status).toBe(201);
    const stored = await sql<{ id: string }>(databaseUrl, 'select id from provisioning_events where id > $1 order by id', [firstEventId]);
    const received = await stream!.waitFor(stored.length, 15_000);
    await sleep(500);
    expect(stream!.errors).toEqual([]);
    expect(stream!.events.map((e) => e.id).sort()).toEqual(stored.map((row) => String(row.id)).sort());
    expect(new Set(received.map((e) => e.id)).size).toBe(received.length);
  }, 60_000);
});
