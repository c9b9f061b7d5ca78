import { performance } from 'node:perf_hooks';
import { addMembers, entraGroup, entraUser } from '../test/fixtures/entra';
import { CpuMeter, graphql, HttpClient, pool, Recorder, type BenchServer } from './harness';

export interface AccessScenarioOptions {
  groups: number;
  members: number;
  concurrency: number;
}

/**
 * The access engine: `user.access` for a user in `groups` mapped groups (latency at concurrency 1, in turn with
 * the floors it is compared with, and at 4; CPU per request of each),
 * and changing the mapping of a group with `members` members (commit time), then the next `user.access`.
 */
export async function runAccessScenario(server: BenchServer, options: AccessScenarioOptions): Promise<string[]> {
  const slug = `access-${Date.now().toString(36)}`;
  await graphql(server, 'mutation($s: String!) { createTenant(input: { slug: $s }) { id } }', { s: slug });
  await graphql(server, 'mutation($s: String) { enableScim(tenant: $s) { enabled } }', { s: slug });
  const token = ((await graphql(server, 'mutation($s: String) { generateScimToken(tenant: $s) { token } }', { s: slug })) as { generateScimToken: { token: string } })
    .generateScimToken.token;
  const client = new HttpClient(server.url, options.concurrency);
  const scim = async (method: string, path: string, body?: unknown) => {
    const response = await client.request(method, `/api/${slug}/scim/v2${path}`, { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json' }, body === undefined ? undefined : JSON.stringify(body));
    if (response.status >= 300) throw new Error(`${method} ${path}: ${response.status} ${response.text.slice(0, 200)}`);
    return response.text ? (JSON.parse(response.text) as { id: string }) : undefined;
  };
  const gql = async (query: string, variables: Record<string, unknown>) => {
    const response = await client.request('POST', '/graphql', { 'content-type': 'application/json', authorization: `Bearer ${server.operatorToken}` }, JSON.stringify({ query, variables }));
    const body = JSON.parse(response.text) as { data?: Record<string, unknown>; errors?: unknown[] };
    if (body.errors) throw new Error(JSON.stringify(body.errors));
    return body.data!;
  };

  // Teams, and `groups` groups each mapped to a level and two teams; one user in all of them.
  const teams: string[] = [];
  for (let i = 0; i < 20; i += 1) {
    teams.push(((await gql('mutation($s: String, $n: String!) { createTeam(tenant: $s, name: $n) { id } }', { s: slug, n: `Team ${i}` })) as { createTeam: { id: string } }).createTeam.id);
  }
  const levels = ['VIEWER', 'COLLABORATOR', 'ADMINISTRATOR'];
  const user = (await scim('POST', '/Users', entraUser({ userName: 'member-of-everything@bench.example' })))!.id;
  const groupIds: string[] = [];
  for (let g = 0; g < options.groups; g += 1) {
    const id = (await scim('POST', '/Groups', entraGroup(`Mapped ${g}`)))!.id;
    groupIds.push(id);
    await gql('mutation($s: String, $g: ID!, $i: MappingInput!) { setGroupMapping(tenant: $s, groupId: $g, input: $i) { globalLevel } }', {
      s: slug,
      g: id,
      i: { globalLevel: levels[g % 3], teams: [{ teamId: teams[g % 20], level: levels[(g + 1) % 3] }, { teamId: teams[(g + 7) % 20], level: levels[g % 3] }] },
    });
    await scim('PATCH', `/Groups/${id}`, addMembers([user]));
  }
  const accessQuery = 'query($s: String, $id: ID!) { user(tenant: $s, id: $id) { access { globalLevel teams { level team { name } grantedBy { isDefault group { displayName } } } } } }';
  const queries: [string, string][] = [
    // What any GraphQL request costs here, and reading the user alone: the floor under user.access.
    ['floor: { viewer { kind } }', '{ viewer { kind } }'],
    ['floor: user(id) { id }', 'query($s: String, $id: ID!) { user(tenant: $s, id: $id) { id } }'],
    [`user.access (${options.groups} groups)`, accessQuery],
  ];
  const recorder = new Recorder();
  for (const [, query] of queries) {
    await pool(Array.from({ length: 50 }, (_, i) => i), 1, async () => {
      await gql(query, { s: slug, id: user });
    });
  }
  // Interleaved, in turn, one at a time: a busy machine slows each of them alike, so their ratio holds.
  for (let round = 0; round < 1000; round += 1) {
    for (let k = 0; k < queries.length; k += 1) {
      const [label, query] = queries[(round + k) % queries.length];
      await recorder.time(`${label}, concurrency 1`, () => gql(query, { s: slug, id: user }));
    }
  }
  const label = `user.access (${options.groups} groups), concurrency 4`;
  await pool(Array.from({ length: 1000 }, (_, i) => i), 4, async () => {
    await recorder.time(label, () => gql(accessQuery, { s: slug, id: user }));
  });
  // CPU per request of each (the server's and PostgreSQL's, from /proc): what latency on a busy machine hides.
  const cpu = new CpuMeter(server.pid, server.postgresDataDir);
  const cpuLines: string[] = [];
  for (const [label, query] of queries) {
    const before = cpu.read();
    await pool(Array.from({ length: 500 }, (_, i) => i), 1, async () => {
      await gql(query, { s: slug, id: user });
    });
    const after = cpu.read();
    const perRequest = (seconds: number) => ((seconds * 1000) / 500).toFixed(2);
    cpuLines.push(`  ${label.padEnd(34)} Portico ${perRequest(after.portico - before.portico)} ms, PostgreSQL ${perRequest(after.postgres - before.postgres)} ms`);
  }
  const p95 = (label: string) => recorder.stats(`${label}, concurrency 1`).p95;
  const ratio = p95(queries[2][0]) / p95(queries[1][0]);

  // A group with `members` members.
  const big = (await scim('POST', '/Groups', entraGroup('Everybody')))!.id;
  const memberIds: string[] = new Array(options.members);
  const loadStart = performance.now();
  await pool(Array.from({ length: options.members }, (_, i) => i), options.concurrency, async (i) => {
    memberIds[i] = (await scim('POST', '/Users', entraUser({ userName: `crowd${i}@bench.example` })))!.id;
  });
  for (let b = 0; b < memberIds.length; b += 1000) await scim('PATCH', `/Groups/${big}`, addMembers(memberIds.slice(b, b + 1000)));
  const loadSeconds = (performance.now() - loadStart) / 1000;

  const mappingTimes: number[] = [];
  for (const [i, level] of ['VIEWER', 'COLLABORATOR', 'ADMINISTRATOR'].entries()) {
    const start = performance.now();
    await gql('mutation($s: String, $g: ID!, $i: MappingInput!) { setGroupMapping(tenant: $s, groupId: $g, input: $i) { globalLevel } }', {
      s: slug,
      g: big,
      i: { globalLevel: level, teams: [{ teamId: teams[i], level }] },
    });
    mappingTimes.push(performance.now() - start);
    const seen = (await gql(accessQuery, { s: slug, id: memberIds[memberIds.length - 1] })) as { user: { access: { globalLevel: string } } };
    if (seen.user.access.globalLevel !== level) throw new Error(`user.access shows ${seen.user.access.globalLevel}, expected ${level}`);
  }
  client.close();
  return [
    `Access: a user in ${options.groups} mapped groups (2 team grants each, 20 teams)`,
    recorder.table(),
    `  user.access p95 / user(id) { id } p95, measured in turn: ${ratio.toFixed(2)} (target ≤ 1.2)`,
    'CPU per request (500 in a row, concurrency 1):',
    ...cpuLines,
    `Mapping change of a group with ${options.members} members (loaded in ${loadSeconds.toFixed(0)} s over SCIM):`,
    `  setGroupMapping commit: ${mappingTimes.map((ms) => `${ms.toFixed(0)} ms`).join(', ')}; the next user.access of a member showed the new level each time`,
  ];
}
