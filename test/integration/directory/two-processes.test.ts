import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeMicrosoft, type FakeMicrosoft } from '../../fixtures/fake-microsoft';
import { labelledJpeg } from '../../fixtures/images';
import { createTestDatabase, sql } from '../../helpers/database';
import { PUBLIC_URL, directoryApi, directoryEnv, gql, inputFor, provisionPeople, sleep, type DirectoryApi } from '../../helpers/directory';
import { freePort, startNode, type RunningProcess } from '../../helpers/process';
import { scimHttpClient } from '../../helpers/scim';

const OPERATOR_TOKEN = `pto_directory-${randomBytes(12).toString('hex')}`;
const USERS = 12;

/**
 * Issue 12, acceptance 4: two app processes (`node dist/src/main.js`) on one database. Asked at once, or one
 * while the other's sync runs, they run one sync: both answer with its id, Graph sees each user once, and one
 * DIRECTORY_SYNC_SUCCEEDED is recorded.
 */
describe('directory sync across two app processes', () => {
  let fake: FakeMicrosoft;
  let database: { url: string; drop(): Promise<void> };
  const processes: { name: string; url: string; running: RunningProcess; api: DirectoryApi }[] = [];

  const syncEvents = async () =>
    sql<{ type: string; n: number }>(
      database.url,
      `select type, count(*)::int as n from provisioning_events where type in ('DIRECTORY_SYNC_SUCCEEDED', 'DIRECTORY_SYNC_FAILED') group by type`,
    );

  beforeAll(async () => {
    // Graph answers slowly (a sync of 12 users, 2 at a time, takes over a second): time for the second ask.
    fake = await startFakeMicrosoft({ latencyMs: 120 });
    database = await createTestDatabase();
    const env = {
      DATABASE_URL: database.url,
      PUBLIC_URL,
      PORTICO_SECRET_KEY: randomBytes(32).toString('hex'),
      PORTICO_OPERATOR_TOKEN: OPERATOR_TOKEN,
      LOG_LEVEL: 'warn',
      ...directoryEnv(fake, { PORTICO_DIRECTORY_SYNC_CONCURRENCY: '2' }),
    };
    // One after the other: the first applies the migrations.
    for (const name of ['A', 'B']) {
      const port = await freePort();
      const running = startNode('dist/src/main.js', [], { ...env, PORT: String(port) });
      const url = `http://127.0.0.1:${port}`;
      for (const deadline = Date.now() + 30_000; ; ) {
        if ((await fetch(`${url}/readyz`).catch(() => null))?.status === 200) break;
        if (Date.now() > deadline) throw new Error(`process ${name} did not start: ${running.output()}`);
        await sleep(100);
      }
      processes.push({ name, url, running, api: directoryApi(url, 'two', { token: OPERATOR_TOKEN }) });
    }
    const [a] = processes;
    const op = { token: OPERATOR_TOKEN };
    expect((await gql(a.url, 'mutation { createTenant(input: { slug: "two", name: "Two" }) { id } }', {}, op)).errors).toBeUndefined();
    expect((await gql(a.url, 'mutation { enableScim(tenant: "two") { enabled } }', {}, op)).errors).toBeUndefined();
    const generated = await gql<{ generateScimToken: { token: string } }>(a.url, 'mutation { generateScimToken(tenant: "two") { token } }', {}, op);
    const scim = scimHttpClient(a.url, 'two', generated.data!.generateScimToken.token);
    await provisionPeople(
      scim,
      fake,
      Array.from({ length: USERS }, (_, i) => ({ userName: `p${i}@contoso.example`, photo: labelledJpeg(`person ${i}`) })),
    );
    await a.api.configure(inputFor(fake));
  }, 90_000);

  afterAll(async () => {
    for (const p of processes) await p.running.stop();
    await fake?.close();
    await database?.drop();
  });

  it('asked on both processes at once: one sync, the same id on both, each photo fetched once, one event', async () => {
    const [a, b] = processes;
    fake.clearLog();
    const [fromA, fromB] = await Promise.all([a.api.startSync(), b.api.startSync()]);
    expect(fromA.id).toBe(fromB.id);
    expect(fromA.state).toBe('RUNNING');
    expect(fromB.state).toBe('RUNNING');

    const finished = await b.api.waitForSync(fromA.id, 30_000);
    expect(finished).toMatchObject({ state: 'SUCCEEDED', photosDownloaded: USERS, photosSkipped: 0 });
    expect((await a.api.provider())!.lastSync).toEqual(finished);
    for (const user of fake.users()) {
      expect(user.metadataRequests, user.userPrincipalName).toBe(1);
      expect(user.valueRequests, user.userPrincipalName).toBe(1);
    }
    // Give a straggler time to show itself before counting.
    await sleep(500);
    expect(fake.counts().metadataRequests).toBe(USERS);
    expect(await syncEvents()).toEqual([{ type: 'DIRECTORY_SYNC_SUCCEEDED', n: 1 }]);
  });

  it('asked on one process while the other\'s sync runs: the running one is returned, no second starts', async () => {
    const [a, b] = processes;
    for (const user of fake.users()) fake.setPhoto(user.id, labelledJpeg(`${user.userPrincipalName} v2`));
    fake.clearLog();
    const started = await b.api.startSync();
    await sleep(300);
    const meanwhile = await a.api.startSync();
    expect(meanwhile).toMatchObject({ id: started.id, state: 'RUNNING' });
    const again = await b.api.startSync();
    expect(again.id).toBe(started.id);

    const finished = await a.api.waitForSync(started.id, 30_000);
    expect(finished).toMatchObject({ state: 'SUCCEEDED', photosDownloaded: USERS });
    await sleep(500);
    for (const user of fake.users()) expect(user.metadataRequests, user.userPrincipalName).toBe(1);
    expect(await syncEvents()).toEqual([{ type: 'DIRECTORY_SYNC_SUCCEEDED', n: 2 }]);
  });
});
