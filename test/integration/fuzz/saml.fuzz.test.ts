import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { entraUser } from '../../fixtures/entra';
import { StateFingerprint } from '../../fixtures/fuzz/fingerprint';
import { formatStats, Probe } from '../../fixtures/fuzz/probe';
import { FUZZ_SEED, runProperty } from '../../fixtures/fuzz/run';
import { samlProperties } from '../../fixtures/fuzz/saml-properties';
import { startTestPortico, type TestPortico } from '../../helpers/portico';
import { samlTenant } from '../../helpers/saml';

/** Issue 11, SAML: a fixed-seed slice of the fuzz properties (`npm run bench -- fuzz` runs them long). */
describe('SAML fuzzing (fixed seed)', () => {
  let portico: TestPortico;
  let fingerprint: StateFingerprint;
  let probe: Probe;
  let properties: ReturnType<typeof samlProperties>;

  beforeAll(async () => {
    portico = await startTestPortico();
    const tenant = await samlTenant(portico, 'fuzz', { idpInitiatedSignIn: true });
    const userNames = ['alice@fuzz.example', 'bob@fuzz.example'];
    for (const userName of userNames) expect((await tenant.scim.post('/Users', entraUser({ userName }))).status).toBe(201);
    fingerprint = new StateFingerprint(portico.databaseUrl);
    probe = new Probe(portico.url, 'SAML');
    properties = samlProperties(probe, { acsPath: '/api/fuzz/saml/acs', idp: tenant.idp, response: tenant.response, userNames, fingerprint: () => fingerprint.take() });
  });

  afterAll(async () => {
    if (probe) console.log(formatStats(probe.stats));
    await fingerprint?.close();
    await portico?.stop();
  });

  it('mutated responses: never a 5xx, never over 1 s, a refusal changes nothing', async () => {
    expect(await runProperty(properties['mutated responses'], { seed: FUZZ_SEED, numRuns: 50 })).toBeNull();
  }, 90_000);
});
