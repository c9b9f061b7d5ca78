import { inflateRawSync } from 'node:zlib';
import { performance } from 'node:perf_hooks';
import { samlSpUrls, type SamlSpUrls } from '../src/config/urls';
import { generateSpCredentials } from '../src/domain/saml/certificates';
import { serviceProvider } from '../src/saml/service-provider';
import { entraUser } from '../test/fixtures/entra';
import { createTestIdp, encodeSamlResponse, federationMetadataXml, runtimeConnectionFor, signInResponseXml, type TestIdp } from '../test/fixtures/saml-idp';
import { cpuOf, CpuMeter, graphql, HttpClient, pool, Recorder, type BenchServer } from './harness';

export interface SamlScenarioOptions {
  signIns: number;
  users: number;
  concurrency: number;
}

/**
 * Validated sign-ins at the ACS: Entra-shaped, assertion-signed responses (signed beforehand, so the load
 * generator's signing does not compete with the server for CPU) posted IdP-initiated at `concurrency`; then
 * full SP-initiated round trips (GET /login, sign the response to its request id, POST /acs). With several
 * `servers` (processes on one database and one PUBLIC_URL, as behind a load balancer) requests take turns.
 */
export async function runSamlScenario(servers: BenchServer[], options: SamlScenarioOptions): Promise<string[]> {
  const [server] = servers;
  const slug = `saml-${Date.now().toString(36)}`;
  await graphql(server, 'mutation($s: String!) { createTenant(input: { slug: $s }) { id } }', { s: slug });
  await graphql(server, 'mutation($s: String) { enableScim(tenant: $s) { enabled } }', { s: slug });
  const token = ((await graphql(server, 'mutation($s: String) { generateScimToken(tenant: $s) { token } }', { s: slug })) as { generateScimToken: { token: string } })
    .generateScimToken.token;
  const idp = createTestIdp();
  await graphql(server, 'mutation($s: String, $x: String!) { configureSaml(tenant: $s, input: { metadataXml: $x }) { configured } }', { s: slug, x: federationMetadataXml(idp) });
  await graphql(server, 'mutation($s: String) { updateTenantSettings(tenant: $s, input: { idpInitiatedSignIn: true }) { id } }', { s: slug });
  let client = new HttpClient(server.url, options.concurrency);
  const userNames = Array.from({ length: options.users }, (_, i) => `person${i}@saml.bench.example`);
  await pool(userNames, options.concurrency, async (userName) => {
    const response = await client.request('POST', `/api/${slug}/scim/v2/Users`, { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json' }, JSON.stringify(entraUser({ userName })));
    if (response.status !== 201) throw new Error(`POST /Users: ${response.status}`);
  });

  // The server's PUBLIC_URL is http://localhost:<port>: the ACS URL Entra would post to.
  const urls = samlSpUrls(server.url.replace('127.0.0.1', 'localhost'), slug);
  const signedResponse = (userName: string, inResponseTo?: string) =>
    encodeSamlResponse(signInResponseXml(idp, { acsUrl: urls.acsUrl, audience: urls.entityId, nameId: userName, inResponseTo }));
  const formOf = (samlResponse: string) => `SAMLResponse=${encodeURIComponent(samlResponse)}`;
  const signed = (userName: string, inResponseTo?: string) => formOf(signedResponse(userName, inResponseTo));
  const postAcs = async (body: string, turn: number) => {
    const response = await acsClients[turn % acsClients.length].request('POST', `/api/${slug}/saml/acs`, { 'content-type': 'application/x-www-form-urlencoded' }, body);
    if (response.status !== 303 || !String(response.headers['set-cookie'] ?? '').includes('portico_session=')) {
      throw new Error(`ACS answered ${response.status} ${response.headers['x-portico-error'] ?? ''}`);
    }
  };

  const signStart = performance.now();
  const warmupResponses = Array.from({ length: 50 }, (_, i) => signedResponse(userNames[i % userNames.length]));
  const responses = Array.from({ length: options.signIns }, (_, i) => signedResponse(userNames[i % userNames.length]));
  const warmup = warmupResponses.map(formOf);
  const bodies = responses.map(formOf);
  const signSeconds = (performance.now() - signStart) / 1000;
  // Signing took longer than the server's keep-alive timeout: start on fresh connections.
  client.close();
  client = new HttpClient(server.url, options.concurrency);
  const acsClients = [client, ...servers.slice(1).map((other) => new HttpClient(other.url, options.concurrency))];
  await pool(warmup, options.concurrency, postAcs);

  const recorder = new Recorder();
  const postgresMeter = new CpuMeter(server.pid, server.postgresDataDir);
  const porticoCpu = () => servers.reduce((sum, each) => sum + cpuOf(each.pid), 0);
  const cpuBefore = { portico: porticoCpu(), postgres: postgresMeter.read().postgres };
  const start = performance.now();
  await pool(bodies, options.concurrency, (body, i) => recorder.time('POST /acs (IdP-initiated)', () => postAcs(body, i)));
  const seconds = (performance.now() - start) / 1000;
  const serverMsPerSignIn = ((porticoCpu() - cpuBefore.portico) * 1000) / options.signIns;
  const postgresMsPerSignIn = ((postgresMeter.read().postgres - cpuBefore.postgres) * 1000) / options.signIns;

  const roundTrips = Math.max(50, Math.floor(options.signIns / 5));
  const roundTripStart = performance.now();
  await pool(Array.from({ length: roundTrips }, (_, i) => userNames[i % userNames.length]), options.concurrency, async (userName, turn) => {
    await recorder.time('SP-initiated: GET /login + POST /acs', async () => {
      // The request id lives in PostgreSQL: the response may come back to any process.
      const login = await acsClients[(turn + 1) % acsClients.length].request('GET', `/api/${slug}/saml/login?returnTo=%2F`, {});
      const location = new URL(String(login.headers.location));
      const request = inflateRawSync(Buffer.from(location.searchParams.get('SAMLRequest')!, 'base64')).toString('utf8');
      await postAcs(signed(userName, /\sID="([^"]+)"/.exec(request)![1]), turn);
    });
  });
  const roundTripSeconds = (performance.now() - roundTripStart) / 1000;
  for (const acsClient of acsClients) acsClient.close();
  // node-saml alone, on the very responses the server accepted, with the options Portico gives it (after the
  // round trips: it takes longer than the server keeps an idle connection open).
  const nodeSamlMs = await nodeSamlValidationCpuMs(idp, urls, warmupResponses, responses);
  return [
    `SAML: ${options.signIns} validated IdP-initiated sign-ins at the ACS (assertion-signed RSA-SHA256, ${options.users} users), concurrency ${options.concurrency}, ` +
      `${servers.length} Portico process${servers.length > 1 ? 'es' : ''}`,
    `  (${options.signIns + warmup.length} responses signed beforehand by the test IdP in ${signSeconds.toFixed(1)} s, outside the measurement)`,
    `  ACS throughput: ${options.signIns} sign-ins in ${seconds.toFixed(1)} s = ${(options.signIns / seconds).toFixed(0)} validated sign-ins/s, each a session and a SIGN_IN_SUCCEEDED event`,
    `  server CPU per validated sign-in: ${serverMsPerSignIn.toFixed(2)} ms (Portico process${servers.length > 1 ? 'es' : ''}), PostgreSQL ${postgresMsPerSignIn.toFixed(2)} ms`,
    `  node-saml's own validation of the same ${responses.length} responses (validatePostResponseAsync, Portico's options, in the bench process): ${nodeSamlMs.toFixed(2)} ms CPU each`,
    `  server CPU per sign-in / node-saml validation CPU: ${(serverMsPerSignIn / nodeSamlMs).toFixed(2)}× (target ≤ 1.3×; Portico's own share ${Math.max(0, serverMsPerSignIn - nodeSamlMs).toFixed(2)} ms)`,
    `  SP-initiated round trips (the load generator signs each response in the loop): ${roundTrips} in ${roundTripSeconds.toFixed(1)} s = ${(roundTrips / roundTripSeconds).toFixed(0)}/s`,
    recorder.table(),
  ];
}

/**
 * CPU milliseconds per validation when node-saml alone validates `responses` (after `warmup`, so the JIT has
 * settled), configured as Portico configures it for a connection to this IdP: the yardstick of a sign-in's cost.
 */
async function nodeSamlValidationCpuMs(idp: TestIdp, urls: SamlSpUrls, warmup: string[], responses: string[]): Promise<number> {
  const sp = await generateSpCredentials('Portico SP bench');
  const saml = serviceProvider(runtimeConnectionFor(idp, sp, 'bench'), urls);
  const validate = async (samlResponse: string) => {
    const { profile } = await saml.validatePostResponseAsync({ SAMLResponse: samlResponse });
    if (!profile?.getAssertionXml) throw new Error('node-saml returned no assertion');
  };
  for (const response of warmup) await validate(response);
  const before = process.cpuUsage();
  for (const response of responses) await validate(response);
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000 / responses.length;
}
