import { randomBytes } from 'node:crypto';
import http from 'node:http';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { entraUser } from '../../fixtures/entra';
import { createTestDatabase } from '../../helpers/database';
import { freePort, startNode, type RunningProcess } from '../../helpers/process';

const OPERATOR_TOKEN = `pto_sigterm-${randomBytes(12).toString('hex')}`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** One request on a fresh connection (no keep-alive reuse): its status, or the network error's code. */
function request(port: number, path: string, token: string, method = 'GET', body?: unknown): Promise<{ status: number; body: string } | { error: string }> {
  return new Promise((resolve) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request(
      { host: '127.0.0.1', port, path, method, agent: false, headers: { authorization: `Bearer ${token}`, ...(payload && { 'content-type': path === '/graphql' ? 'application/json' : 'application/scim+json' }) } },
      (res) => {
        let text = '';
        res.on('data', (chunk) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode!, body: text }));
      },
    );
    req.on('error', (error: NodeJS.ErrnoException) => resolve({ error: error.code ?? error.message }));
    req.end(payload);
  });
}

/** Issue 11: SIGTERM during load: in-flight requests finish, new ones are refused, the process exits 0. */
describe('faults: SIGTERM while requests are in flight', () => {
  let database: { url: string; drop(): Promise<void> };
  let server: RunningProcess | undefined;
  let locker: pg.Client | undefined;
  let port: number;

  beforeAll(async () => {
    database = await createTestDatabase();
    port = await freePort();
    server = startNode('dist/src/main.js', [], {
      DATABASE_URL: database.url,
      PORTICO_SECRET_KEY: randomBytes(32).toString('hex'),
      PORTICO_OPERATOR_TOKEN: OPERATOR_TOKEN,
      PORTICO_SCIM_RATE_PER_SECOND: '0',
      PORT: String(port),
      LOG_LEVEL: 'warn',
    });
    await server.waitFor(/Portico is running\./, 30_000);
  });
  afterAll(async () => {
    await locker?.end().catch(() => {});
    if (server?.child.exitCode === null) server.child.kill('SIGKILL');
    await database?.drop();
  });

  it('finishes the requests in flight, refuses new connections, and exits 0', async () => {
    const graphql = async (query: string) => {
      const answer = await request(port, '/graphql', OPERATOR_TOKEN, 'POST', { query });
      expect('status' in answer && answer.status, JSON.stringify(answer)).toBe(200);
      return JSON.parse((answer as { body: string }).body).data;
    };
    await graphql('mutation { createTenant(input: { slug: "contoso", name: "Contoso" }) { slug } }');
    await graphql('mutation { enableScim(tenant: "contoso") { enabled } }');
    const token = (await graphql('mutation { generateScimToken(tenant: "contoso") { token } }')).generateScimToken.token as string;
    const scimPath = '/api/contoso/scim/v2';
    expect(await request(port, `${scimPath}/Users`, token, 'POST', entraUser({ userName: 'first@contoso.com' }))).toMatchObject({ status: 201 });

    // Hold the users table: the requests below stay in flight until it is released.
    locker = new pg.Client({ connectionString: database.url });
    await locker.connect();
    await locker.query('begin');
    await locker.query('lock table users in access exclusive mode');
    const inFlight = [
      ...Array.from({ length: 4 }, (_, i) => request(port, `${scimPath}/Users?filter=${encodeURIComponent(`userName eq "u${i}@contoso.com"`)}`, token)),
      request(port, `${scimPath}/Users`, token, 'POST', entraUser({ userName: 'during-shutdown@contoso.com' })),
      request(port, '/graphql', OPERATOR_TOKEN, 'POST', { query: '{ users(tenant: "contoso", first: 5) { totalCount } }' }),
    ];
    await sleep(500);

    server!.child.kill('SIGTERM');
    const exited = new Promise<number | null>((resolve) => server!.child.once('exit', (code) => resolve(code)));
    await sleep(500);
    // A new connection is refused while the old requests are still being served.
    const refused = await request(port, `${scimPath}/Users`, token);
    expect(refused).toEqual({ error: 'ECONNREFUSED' });
    expect(server!.child.exitCode).toBeNull();

    await locker.query('rollback');
    const answers = await Promise.all(inFlight);
    expect(answers.map((a) => ('status' in a ? a.status : a.error))).toEqual([200, 200, 200, 200, 201, 200]);
    expect(await exited).toBe(0);
    expect(server!.output()).not.toMatch(/shutdown failed|unhandled/i);
  }, 60_000);
});
