import { inflateRawSync } from 'node:zlib';
import { performance } from 'node:perf_hooks';
import { samlSpUrls, type SamlSpUrls } from '../src/config/urls';
import { generateSpCredentials } from '../src/domain/saml/certificates';
import { serviceProvider } from '../src/saml/service-provider';
import { entraUser } from '../test/fixtures/entra';
import { createTestIdp, encodeSamlResponse, federationMetadataXml, runtimeConnectionFor, signInResponseXml, type TestIdp } from '../test/fixtures/saml-idp';
import { CpuMeter, graphql, HttpClient, pool, Recorder, threadCpuOf, type BenchServer } from './harness';

export interface SamlScenarioOptions {
  signIns: number;
  users: number;
  concurrency: number;
  /** Sign-ins (and yardstick validations) before the measured rounds, left out. */
  warmUpSignIns: number;
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
  const client = new HttpClient(server.url, options.concurrency);
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
  const warmupResponses = Array.from({ length: options.warmUpSignIns }, (_, i) => signedResponse(userNames[i % userNames.length]));
  const responses = Array.from({ length: options.signIns }, (_, i) => signedResponse(userNames[i % userNames.length]));
  const warmup = warmupResponses.map(formOf);
  const bodies = responses.map(formOf);
  const signSeconds = (performance.now() - signStart) / 1000;
  // node-saml alone, in this process, on the very responses the server accepts, with the options Portico gives it.
  const yardstick = await nodeSamlYardstick(idp, urls);
  // Signing took longer than the server's keep-alive timeout: start on fresh connections (and again for each round:
  // the yardstick between two rounds takes a few seconds too).
  client.close();
  let acsClients: HttpClient[] = [];
  const freshAcsClients = () => {
    for (const acsClient of acsClients) acsClient.close();
    acsClients = servers.map((each) => new HttpClient(each.url, options.concurrency));
  };
  // Both warmed up before the rounds, so the rounds measure each at its steady cost: the server has far more code for V8
  // to compile than node-saml alone (HTTP, pg, the domain), and after only 50 warm-up sign-ins its first round cost up
  // to 40 % more CPU per sign-in than after 2,000, with its compiler threads still busy in every round.
  await yardstick.cpuSecondsFor(warmupResponses);
  freshAcsClients();
  await pool(warmup, options.concurrency, postAcs);

  // The server's sign-ins and the yardstick take turns, round by round (server first in one round, the yardstick
  // first in the next), so both see the machine as it is at that moment: on a shared host the same code runs
  // ~1.5x faster or slower from one minute to the next, which measured minutes apart would move their ratio as much.
  const recorder = new Recorder();
  const postgresMeter = new CpuMeter(server.pid, server.postgresDataDir);
  const porticoThreads = () =>
    servers.reduce(
      (sum, each) => {
        const { main, helpers } = threadCpuOf(each.pid);
        return { main: sum.main + main, helpers: sum.helpers + helpers };
      },
      { main: 0, helpers: 0 },
    );
  const total = { seconds: 0, main: 0, helpers: 0, postgres: 0, nodeSaml: 0 };
  const roundRatios: number[] = [];
  const perRound = Math.ceil(bodies.length / SAML_ROUNDS);
  for (let round = 0; round < SAML_ROUNDS; round += 1) {
    const from = round * perRound;
    const roundBodies = bodies.slice(from, from + perRound);
    const signIns = async () => {
      freshAcsClients();
      const before = { ...porticoThreads(), postgres: postgresMeter.read().postgres };
      const start = performance.now();
      await pool(roundBodies, options.concurrency, (body, i) => recorder.time('POST /acs (IdP-initiated)', () => postAcs(body, from + i)));
      const after = porticoThreads();
      return { seconds: (performance.now() - start) / 1000, main: after.main - before.main, helpers: after.helpers - before.helpers, postgres: postgresMeter.read().postgres - before.postgres };
    };
    const yardstickRound = () => yardstick.cpuSecondsFor(responses.slice(from, from + perRound));
    let served: Awaited<ReturnType<typeof signIns>>;
    let nodeSaml: number;
    if (round % 2 === 0) {
      served = await signIns();
      nodeSaml = await yardstickRound();
    } else {
      nodeSaml = await yardstickRound();
      served = await signIns();
    }
    total.seconds += served.seconds;
    total.main += served.main;
    total.helpers += served.helpers;
    total.postgres += served.postgres;
    total.nodeSaml += nodeSaml;
    roundRatios.push((served.main + served.helpers) / nodeSaml);
  }
  const perSignIn = (seconds: number) => (seconds * 1000) / options.signIns;
  const serverMsPerSignIn = perSignIn(total.main + total.helpers);
  const nodeSamlMs = perSignIn(total.nodeSaml);

  const roundTrips = Math.max(50, Math.floor(options.signIns / 5));
  freshAcsClients();
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
  return [
    `SAML: ${options.signIns} validated IdP-initiated sign-ins at the ACS (assertion-signed RSA-SHA256, ${options.users} users), concurrency ${options.concurrency}, ` +
      `${servers.length} Portico process${servers.length > 1 ? 'es' : ''}`,
    `  (${options.signIns + warmup.length} responses signed beforehand by the test IdP in ${signSeconds.toFixed(1)} s, outside the measurement; ` +
      `${warmup.length} of them warm-up sign-ins, and as many yardstick validations, left out)`,
    `  ACS throughput: ${options.signIns} sign-ins in ${total.seconds.toFixed(1)} s = ${(options.signIns / total.seconds).toFixed(0)} validated sign-ins/s, each a session and a SIGN_IN_SUCCEEDED event`,
    `  server CPU per validated sign-in: ${serverMsPerSignIn.toFixed(2)} ms (Portico process${servers.length > 1 ? 'es' : ''}: main thread ${perSignIn(total.main).toFixed(2)}, ` +
      `other threads (V8's helpers) ${perSignIn(total.helpers).toFixed(2)}), PostgreSQL ${perSignIn(total.postgres).toFixed(2)} ms`,
    `  node-saml's own validation of the same ${responses.length} responses (validatePostResponseAsync, Portico's options, in the bench process, ` +
      `in ${SAML_ROUNDS} rounds taking turns with the server's): ${nodeSamlMs.toFixed(2)} ms CPU each`,
    `  server CPU per sign-in / node-saml validation CPU: ${(serverMsPerSignIn / nodeSamlMs).toFixed(2)}× (target ≤ 1.3×; Portico's own share ${Math.max(0, serverMsPerSignIn - nodeSamlMs).toFixed(2)} ms; ` +
      `round by round ${roundRatios.map((ratio) => ratio.toFixed(2)).join(', ')})`,
    `  SP-initiated round trips (the load generator signs each response in the loop): ${roundTrips} in ${roundTripSeconds.toFixed(1)} s = ${(roundTrips / roundTripSeconds).toFixed(0)}/s`,
    recorder.table(),
  ];
}

/** How many turns the server's sign-ins and node-saml's yardstick take. */
const SAML_ROUNDS = 4;

/**
 * node-saml alone, configured as Portico configures it for a connection to this IdP: the yardstick of a sign-in's
 * cost. `cpuSecondsFor` validates each response in turn and returns the CPU seconds this process used for them.
 */
async function nodeSamlYardstick(idp: TestIdp, urls: SamlSpUrls): Promise<{ cpuSecondsFor(responses: string[]): Promise<number> }> {
  const sp = await generateSpCredentials('Portico SP bench');
  const saml = serviceProvider(runtimeConnectionFor(idp, sp, 'bench'), urls);
  return {
    async cpuSecondsFor(responses) {
      const before = process.cpuUsage();
      for (const response of responses) {
        const { profile } = await saml.validatePostResponseAsync({ SAMLResponse: response });
        if (!profile?.getAssertionXml) throw new Error('node-saml returned no assertion');
      }
      const used = process.cpuUsage(before);
      return (used.user + used.system) / 1e6;
    },
  };
}
