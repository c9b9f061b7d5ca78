import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from '../helpers/database';
import { startTestPortico, type TestPortico } from '../helpers/portico';

describe('operations endpoints and logs', () => {
  let portico: TestPortico;
  const lines: Record<string, unknown>[] = [];

  beforeAll(async () => {
    const sink = new Writable({
      write(chunk, _encoding, done) {
        for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
        done();
      },
    });
    portico = await startTestPortico({}, { logger: pino({ level: 'info' }, sink) });
  });
  afterAll(() => portico?.stop());

  it('/healthz answers while the process is up', async () => {
    const response = await fetch(`${portico.url}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('/readyz is 200 when migrated, 503 otherwise: the cause goes to the log with the request id, not to the caller', async () => {
    expect((await fetch(`${portico.url}/readyz`)).status).toBe(200);
    const applied = await sql(portico.databaseUrl, 'select * from mikro_orm_migrations order by id');
    await sql(portico.databaseUrl, 'delete from mikro_orm_migrations');
    try {
      const response = await fetch(`${portico.url}/readyz`, { headers: { 'x-request-id': 'ready-probe-1' } });
      expect(response.status).toBe(503);
      expect(await response.json()).toEqual({ status: 'not ready' });
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(lines.find((l) => l.msg === 'not ready')).toMatchObject({ level: 40, reqId: 'ready-probe-1', detail: expect.stringContaining('Migration20261123000000_initial') });
    } finally {
      for (const row of applied) {
        await sql(portico.databaseUrl, 'insert into mikro_orm_migrations (id, name, executed_at) values ($1, $2, $3)', [row.id, row.name, row.executed_at]);
      }
    }
    expect((await fetch(`${portico.url}/readyz`)).status).toBe(200);
  });

  it('/metrics exposes request counts by bounded route label', async () => {
    await fetch(`${portico.url}/api/some-tenant/scim/v2/Users/123`);
    await fetch(`${portico.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{__typename}"}' });
    const text = await (await fetch(`${portico.url}/metrics`)).text();
    expect(text).toContain('portico_http_requests_total{method="POST",route="/graphql",status="200"}');
    expect(text).toContain('route="/api/:tenant/scim/v2/Users/:id"');
    expect(text).not.toContain('some-tenant');
    expect(text).toContain('process_cpu_user_seconds_total');
  });

  it('every request has a request id, echoed back and on its log line; credentials are never logged', async () => {
    const response = await fetch(`${portico.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'trace-abc-123', authorization: `Bearer ${portico.operatorToken}` },
      body: JSON.stringify({ query: '{ viewer { kind } }' }),
    });
    expect(response.headers.get('x-request-id')).toBe('trace-abc-123');
    const generated = await fetch(`${portico.url}/healthz`, { headers: { 'x-request-id': 'bad id with spaces' } });
    expect(generated.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);

    await new Promise((resolve) => setTimeout(resolve, 50));
    const line = lines.find((l) => (l.req as { id?: string } | undefined)?.id === 'trace-abc-123');
    expect(line).toMatchObject({ msg: 'request completed', res: { statusCode: 200 } });
    expect(JSON.stringify(lines)).not.toContain(portico.operatorToken);
  });

  it('request lines: the path without its query, warn for 4xx, the status and the time taken, no headers', async () => {
    await fetch(`${portico.url}/healthz?filter=someone`, { headers: { 'x-request-id': 'line-ok-1', cookie: 'portico_session=secret-cookie' } });
    await fetch(`${portico.url}/no-such-path`, { headers: { 'x-request-id': 'line-miss-1' } });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const lineOf = (id: string) => lines.find((l) => (l.req as { id?: string } | undefined)?.id === id);
    expect(lineOf('line-ok-1')).toMatchObject({ level: 30, msg: 'request completed', req: { method: 'GET', url: '/healthz' }, res: { statusCode: 200 }, responseTime: expect.any(Number) });
    expect(lineOf('line-miss-1')).toMatchObject({ level: 40, msg: 'request completed', req: { url: '/no-such-path' }, res: { statusCode: 404 } });
    expect(JSON.stringify(lines)).not.toContain('secret-cookie');
    expect(JSON.stringify(lines)).not.toContain('filter=someone');
  });

  it('events written through GraphQL carry the request id', async () => {
    await fetch(`${portico.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'create-tenant-1', authorization: `Bearer ${portico.operatorToken}` },
      body: JSON.stringify({ query: 'mutation { createTenant(input: { slug: "ops" }) { id } }' }),
    });
    const events = await sql(portico.databaseUrl, `select request_id, source from provisioning_events where type = 'TENANT_CREATED'`);
    expect(events).toEqual([{ request_id: 'create-tenant-1', source: 'GRAPHQL' }]);
  });
});
