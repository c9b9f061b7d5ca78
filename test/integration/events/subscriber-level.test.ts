import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SetDefaultMappingDocument } from '../../generated/graphql';
import { entraUser } from '../../fixtures/entra';
import { startTestPortico, type TestPortico } from '../../helpers/portico';
import { samlTenant, type SamlTenant } from '../../helpers/saml';
import { subscribeEvents, wsClient } from '../../helpers/ws';

/** Issue 11, finding 6: a live subscription re-checks the subscriber's level, not only that its credential exists. */
describe('a subscriber whose level drops', () => {
  let portico: TestPortico;
  let tenant: SamlTenant;
  const admin = 'ada@demoted.example';

  const setDefaultLevel = async (globalLevel: 'ADMINISTRATOR' | 'VIEWER') => {
    const result = await portico.gql(SetDefaultMappingDocument, { tenant: 'demoted', input: { globalLevel, teams: [] } });
    expect(result.errors).toBeUndefined();
  };
  const createUser = async (userName: string) => {
    expect((await tenant.scim.request('POST', '/Users', { body: entraUser({ userName }) })).status).toBe(201);
  };

  beforeAll(async () => {
    portico = await startTestPortico();
    tenant = await samlTenant(portico, 'demoted', { idpInitiatedSignIn: true });
    await createUser(admin);
    await setDefaultLevel('ADMINISTRATOR');
  }, 60_000);

  afterAll(async () => {
    await portico?.stop();
  });

  for (const via of ['token', 'cookie'] as const) {
    it(`a user session (${via}) demoted below ADMINISTRATOR by a mapping change stops receiving events with FORBIDDEN`, async () => {
      await setDefaultLevel('ADMINISTRATOR');
      const { session } = await tenant.signIn(admin);
      const client = wsClient(portico.url, via === 'token' ? { token: session! } : { cookie: `portico_session=${session}` });
      const stream = subscribeEvents(client, { types: ['USER_CREATED'] });
      await new Promise((resolve) => setTimeout(resolve, 300));
      await createUser(`before-demotion-${via}@demoted.example`);
      await stream.waitFor(1);

      await setDefaultLevel('VIEWER');
      await new Promise((resolve) => setTimeout(resolve, 5_200));
      await createUser(`after-demotion-${via}@demoted.example`);
      await stream.ended();
      // Within 5 s of the demotion delivery may go on; after that, nothing, and the reason is given.
      expect(stream.events.map((e) => e.summary).join()).not.toContain('after-demotion');
      expect(JSON.stringify(stream.errors)).toContain('FORBIDDEN');
      await client.dispose();
    }, 20_000);
  }
});
