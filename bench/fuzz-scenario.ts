import { EMBEDDED_DATABASE } from '../src/db/database';
import { startEmbeddedPostgres } from '../src/db/embedded-postgres';
import { entraGroup, entraUser } from '../test/fixtures/entra';
import { StateFingerprint } from '../test/fixtures/fuzz/fingerprint';
import { loadCommittedSchema } from '../test/fixtures/fuzz/graphql-arbitraries';
import { graphqlProperties } from '../test/fixtures/fuzz/graphql-properties';
import { formatStats, Probe } from '../test/fixtures/fuzz/probe';
import { runProperty } from '../test/fixtures/fuzz/run';
import { samlProperties } from '../test/fixtures/fuzz/saml-properties';
import { scimProperties } from '../test/fixtures/fuzz/scim-properties';
import { createTestIdp, federationMetadataXml } from '../test/fixtures/saml-idp';
import { graphql, type BenchServer } from './harness';

export interface FuzzScenarioOptions {
  runs: number;
  seed: number;
}

/**
 * The fuzz properties of the tests (issue 11), run long against a Portico process: `runs` cases per
 * property from `seed`. Prints cases/s, 5xx, slow and hung requests per interface, and every shrunk
 * counterexample.
 */
export async function runFuzzScenario(server: BenchServer & { dataDir: string }, options: FuzzScenarioOptions): Promise<string[]> {
  const slug = `fuzz-${Date.now().toString(36)}`;
  await graphql(server, 'mutation($s: String!) { createTenant(input: { slug: $s }) { id } }', { s: slug });
  await graphql(server, 'mutation($s: String) { enableScim(tenant: $s) { enabled } }', { s: slug });
  await graphql(server, 'mutation($s: String) { updateTenantSettings(tenant: $s, input: { idpInitiatedSignIn: true }) { id } }', { s: slug });
  const { generateScimToken } = (await graphql(server, 'mutation($s: String) { generateScimToken(tenant: $s) { token } }', { s: slug })) as { generateScimToken: { token: string } };
  const idp = createTestIdp();
  const { configureSaml } = (await graphql(server, 'mutation($s: String, $x: String) { configureSaml(tenant: $s, input: { metadataXml: $x }) { acsUrl spEntityId } }', {
    s: slug,
    x: federationMetadataXml(idp),
  })) as { configureSaml: { acsUrl: string; spEntityId: string } };
  const basePath = `/api/${slug}/scim/v2`;
  const scim = async (path: string, body: unknown) => {
    const response = await fetch(`${server.url}${basePath}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${generateScimToken.token}`, 'content-type': 'application/scim+json' },
      body: JSON.stringify(body),
    });
    return (await response.json()) as { id: string };
  };
  const userNames = ['alice@fuzz.example', 'bob@fuzz.example'];
  const user = await scim('/Users', entraUser({ userName: userNames[0] }));
  await scim('/Users', entraUser({ userName: userNames[1] }));
  const group = await scim('/Groups', entraGroup('target group'));

  // The server's own embedded cluster, joined (not started again) to fingerprint what it stores.
  const cluster = await startEmbeddedPostgres({ dataDir: server.dataDir, persistent: true });
  const fingerprint = new StateFingerprint(cluster.urlFor(EMBEDDED_DATABASE));
  const take = () => fingerprint.take();
  const lines: string[] = [`Fuzzing: ${options.runs} cases per property, seed ${options.seed}`];
  const failures: string[] = [];
  const run = async (probe: Probe, properties: Record<string, Parameters<typeof runProperty>[0]>) => {
    for (const [name, property] of Object.entries(properties)) {
      const failure = await runProperty(property, { seed: options.seed, numRuns: options.runs });
      if (failure) failures.push(`${probe.stats.interface} / ${name}: ${failure}`);
    }
    lines.push(formatStats(probe.stats));
  };
  try {
    const scimProbe = new Probe(server.url, 'SCIM');
    await run(scimProbe, scimProperties(scimProbe, { basePath, token: generateScimToken.token, userId: user.id, groupId: group.id, fingerprint: take }));
    const graphqlProbe = new Probe(server.url, 'GraphQL');
    await run(graphqlProbe, graphqlProperties(graphqlProbe, { token: server.operatorToken, schema: loadCommittedSchema(), pools: { tenants: [slug, 'nope'], ids: [user.id, group.id] }, fingerprint: take }));
    const samlProbe = new Probe(server.url, 'SAML');
    const response = (nameId: string) => ({ acsUrl: configureSaml.acsUrl, audience: configureSaml.spEntityId, nameId });
    await run(samlProbe, samlProperties(samlProbe, { acsPath: `/api/${slug}/saml/acs`, idp, response, userNames, fingerprint: take }));
  } finally {
    await fingerprint.close();
  }
  lines.push(failures.length === 0 ? '  no counterexample' : `  ${failures.length} counterexample(s), shrunk:\n${failures.map((f) => `  - ${f.replaceAll('\n', '\n    ')}`).join('\n')}`);
  return lines;
}
