import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { entraGroup, entraUser } from '../../fixtures/entra';
import { StateFingerprint } from '../../fixtures/fuzz/fingerprint';
import { formatStats, Probe } from '../../fixtures/fuzz/probe';
import { FUZZ_SEED, runProperty } from '../../fixtures/fuzz/run';
import { scimProperties } from '../../fixtures/fuzz/scim-properties';
import { startTestPortico, type TestPortico } from '../../helpers/portico';
import { scimTenant } from '../../helpers/scim';

/** Issue 11, SCIM: a fixed-seed slice of the fuzz properties (`npm run bench -- fuzz` runs them long). */
describe('SCIM fuzzing (fixed seed)', () => {
  let portico: TestPortico;
  let fingerprint: StateFingerprint;
  let probe: Probe;
  let properties: ReturnType<typeof scimProperties>;

  beforeAll(async () => {
    // No rate limit: the fuzzer is one client sending as fast as it can.
    portico = await startTestPortico({ PORTICO_SCIM_RATE_PER_SECOND: '0' });
    const scim = await scimTenant(portico, 'fuzz');
    const user = await scim.post('/Users', entraUser({ userName: 'target@fuzz.example' }));
    const group = await scim.post('/Groups', entraGroup('target group'));
    expect([user.status, group.status]).toEqual([201, 201]);
    fingerprint = new StateFingerprint(portico.databaseUrl);
    probe = new Probe(portico.url, 'SCIM');
    properties = scimProperties(probe, {
      basePath: new URL(scim.baseUrl).pathname,
      token: scim.token,
      userId: user.body.id,
      groupId: group.body.id,
      fingerprint: () => fingerprint.take(),
    });
  });

  afterAll(async () => {
    if (probe) console.log(formatStats(probe.stats));
    await fingerprint?.close();
    await portico?.stop();
  });

  const runs = { 'list queries': 70, 'patch bodies': 60, 'resource bodies': 50, 'paths and parameters': 50, 'user round trip': 25 } as const;

  for (const [name, numRuns] of Object.entries(runs)) {
    it(`${name}: never a 5xx, never over 1 s, a refusal changes nothing`, async () => {
      const failure = await runProperty(properties[name as keyof typeof runs], { seed: FUZZ_SEED, numRuns });
      expect(failure).toBeNull();
    }, 90_000);
  }
});
