import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { entraGroup, entraUser } from '../../fixtures/entra';
import { StateFingerprint } from '../../fixtures/fuzz/fingerprint';
import { loadCommittedSchema } from '../../fixtures/fuzz/graphql-arbitraries';
import { graphqlProperties } from '../../fixtures/fuzz/graphql-properties';
import { formatStats, Probe } from '../../fixtures/fuzz/probe';
import { FUZZ_SEED, runProperty } from '../../fixtures/fuzz/run';
import { startTestPortico, type TestPortico } from '../../helpers/portico';
import { scimTenant } from '../../helpers/scim';

/** Issue 11, GraphQL: a fixed-seed slice of the fuzz properties (`npm run bench -- fuzz` runs them long). */
describe('GraphQL fuzzing (fixed seed)', () => {
  let portico: TestPortico;
  let fingerprint: StateFingerprint;
  let probe: Probe;
  let properties: ReturnType<typeof graphqlProperties>;

  beforeAll(async () => {
    portico = await startTestPortico();
    const scim = await scimTenant(portico, 'fuzz');
    const user = await scim.post('/Users', entraUser({ userName: 'target@fuzz.example' }));
    const group = await scim.post('/Groups', entraGroup('target group'));
    // The SP key pair is made (2048-bit RSA, synchronously) on the first samlSettings read of a tenant, which
    // can pass 1 s on a loaded machine: reported apart; made here so the properties measure the rest.
    expect((await portico.rawGql({ query: '{ samlSettings(tenant: "fuzz") { spCertificate } }' })).errors).toBeUndefined();
    fingerprint = new StateFingerprint(portico.databaseUrl);
    probe = new Probe(portico.url, 'GraphQL');
    properties = graphqlProperties(probe, {
      token: portico.operatorToken,
      schema: loadCommittedSchema(),
      pools: { tenants: ['fuzz', 'nope'], ids: [user.body.id, group.body.id] },
      fingerprint: () => fingerprint.take(),
    });
  });

  afterAll(async () => {
    if (probe) console.log(formatStats(probe.stats));
    await fingerprint?.close();
    await portico?.stop();
  });

  it('schema operations: never a 5xx, never over 1 s, coded errors, a refusal changes nothing', async () => {
    expect(await runProperty(properties['schema operations'], { seed: FUZZ_SEED, numRuns: 150 })).toBeNull();
  }, 90_000);

  it('malformed requests: never a 5xx, never over 1 s, coded errors, nothing changes', async () => {
    expect(await runProperty(properties['malformed requests'], { seed: FUZZ_SEED, numRuns: 40 })).toBeNull();
  }, 90_000);
});
