import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPortico } from '../../../src/app';
import { loadConfig } from '../../../src/config/config';
import { ProvisioningEventsDocument } from '../../generated/graphql';
import { entraUser } from '../../fixtures/entra';
import { sql } from '../../helpers/database';
import { TEST_OPERATOR_TOKEN, startTestPortico, type TestPortico } from '../../helpers/portico';
import { scimTenant } from '../../helpers/scim';
import { subscribeEvents, wsClient } from '../../helpers/ws';

/**
 * Issue 6, operations: a database restored into another cluster carries transaction ids from the old
 * cluster's counter. Portico gives those events a place in the new log when it starts, so the history
 * stays visible and the live feed keeps going.
 */
describe('events restored from another cluster', () => {
  let portico: TestPortico;
  const secretKey = randomBytes(32).toString('hex');

  beforeAll(async () => {
    portico = await startTestPortico({ PORTICO_SECRET_KEY: secretKey });
  }, 60_000);

  afterAll(async () => {
    await portico?.stop();
  });

  it('are shown and followed again after the next start', async () => {
    const scim = await scimTenant(portico, 'moved');
    for (const name of ['first', 'second']) {
      expect((await scim.request('POST', '/Users', { body: entraUser({ userName: `${name}@moved.example` }) })).status).toBe(201);
    }
    const listed = async () =>
      (await portico.gql(ProvisioningEventsDocument, { tenant: 'moved', first: 10 })).data!.provisioningEvents.edges
        .map((e) => e.node)
        .filter((node) => node.summary.startsWith('User '));
    expect(await listed()).toHaveLength(2);

    // As restored from a cluster whose transaction counter was far ahead of this one's.
    await sql(
      portico.databaseUrl,
      `update provisioning_events set tx_id = ((pg_snapshot_xmax(pg_current_snapshot())::text)::bigint + 1000000000)::text::xid8
        where tenant_id = (select id from tenants where slug = 'moved')`,
    );
    expect(await listed()).toHaveLength(0); // written, to all appearances, by transactions not yet started

    // The next start (here a second process on the same database) gives them their place.
    const restarted = await startPortico(
      loadConfig({
        DATABASE_URL: portico.databaseUrl,
        PORT: '0',
        PUBLIC_URL: 'https://portico.test',
        PORTICO_SECRET_KEY: secretKey,
        PORTICO_OPERATOR_TOKEN: TEST_OPERATOR_TOKEN,
        LOG_LEVEL: 'silent',
      }),
    );
    try {
      const history = await listed();
      expect(history.map((e) => e.summary)).toEqual(['User second@moved.example created', 'User first@moved.example created']);

      // Live again, and resuming after the newest listed event gives what followed it.
      const client = wsClient(restarted.url, { token: TEST_OPERATOR_TOKEN });
      const live = subscribeEvents(client, { tenant: 'moved' });
      const resumed = subscribeEvents(client, { tenant: 'moved', after: history[0].cursor });
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect((await scim.request('POST', '/Users', { body: entraUser({ userName: 'third@moved.example' }) })).status).toBe(201);
      expect((await live.waitFor(1)).map((e) => e.summary)).toEqual(['User third@moved.example created']);
      expect((await resumed.waitFor(1)).map((e) => e.summary)).toEqual(['User third@moved.example created']);
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(resumed.events).toHaveLength(1);
      await live.close();
      await resumed.close();
      await client.dispose();
    } finally {
      await restarted.close();
    }
  });
});
