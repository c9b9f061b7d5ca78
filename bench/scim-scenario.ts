import { performance } from 'node:perf_hooks';
import {
  addMembers,
  deactivate,
  ENTERPRISE_USER,
  entraGroup,
  entraUser,
  flagOffUserPatch,
  flagOnUserPatch,
  removeMembers,
} from '../test/fixtures/entra';
import { CpuMeter, graphql, HttpClient, pool, Recorder, untilDatabaseIsQuiet, type BenchServer } from './harness';

export interface ScimScenarioOptions {
  users: number;
  concurrency: number;
  groups: number;
  /** PATCHes sent before the PATCH-against-POST rounds, left out (the cycle runs 10,000 POSTs but 2,500 PATCHes). */
  warmUpPatches: number;
}

interface Scim {
  request(operation: string, method: string, path: string, body?: unknown, expected?: number): Promise<{ status: number; json: unknown }>;
}

/**
 * Entra's initial cycle (per user: GET filter, then POST; groups created empty and filled with member
 * batches of 100) and an incremental cycle (per changed user: GET filter, then a PATCH in Entra's shapes;
 * deactivations, paging, member removals, deletes), over HTTP at a fixed concurrency. Prints req/s and latency
 * per operation, and filter/POST latency per 1,000 users already present.
 */
export async function runScimScenario(server: BenchServer, options: ScimScenarioOptions): Promise<string[]> {
  const slug = `bench-${Date.now().toString(36)}`;
  await graphql(server, 'mutation($s: String!) { createTenant(input: { slug: $s }) { id } }', { s: slug });
  await graphql(server, 'mutation($s: String) { enableScim(tenant: $s) { enabled } }', { s: slug });
  const { generateScimToken } = (await graphql(server, 'mutation($s: String) { generateScimToken(tenant: $s) { token } }', { s: slug })) as {
    generateScimToken: { token: string };
  };
  const base = `${server.url}/api/${slug}/scim/v2`;
  const recorder = new Recorder();
  const client = new HttpClient(server.url, options.concurrency);
  const basePath = new URL(base).pathname;
  const scim: Scim = {
    async request(operation, method, path, body, expected) {
      const start = performance.now();
      const headers: Record<string, string> = { authorization: `Bearer ${generateScimToken.token}` };
      if (body !== undefined) headers['content-type'] = 'application/scim+json';
      const response = await client.request(method, `${basePath}${path}`, headers, body === undefined ? undefined : JSON.stringify(body));
      const text = response.text;
      recorder.record(operation, performance.now() - start);
      if (expected !== undefined && response.status !== expected) {
        recorder.fail(operation);
        if ((recorder.errors.get(operation) ?? 0) <= 3) console.error(`${operation}: ${response.status} ${text.slice(0, 300)}`);
      }
      return { status: response.status, json: text ? JSON.parse(text) : undefined };
    },
  };

  // Initial cycle: users.
  const ids: string[] = new Array(options.users);
  let present = 0;
  const perThousand = new Map<number, { filter: number[]; post: number[] }>();
  const bucketOf = () => {
    const bucket = Math.floor(present / 1000);
    const entry = perThousand.get(bucket) ?? { filter: [], post: [] };
    perThousand.set(bucket, entry);
    return entry;
  };
  type Phase = { name: string; requests: number; seconds: number; porticoCpu: number; postgresCpu: number };
  const phases: Phase[] = [];
  const cpu = new CpuMeter(server.pid, server.postgresDataDir);
  /** Runs a phase and notes its requests (as `counted` records them), time and CPU in `into`. */
  const phase = async (name: string, work: () => Promise<void>, into: Phase[] = phases, counted: Recorder = recorder) => {
    const before = counted.count;
    const cpuBefore = cpu.read();
    const start = performance.now();
    await work();
    const cpuAfter = cpu.read();
    into.push({
      name,
      requests: counted.count - before,
      seconds: (performance.now() - start) / 1000,
      porticoCpu: cpuAfter.portico - cpuBefore.portico,
      postgresCpu: cpuAfter.postgres - cpuBefore.postgres,
    });
  };
  /** The userName of the i-th user the initial cycle provisions (what the incremental cycle looks up again). */
  const userNameOf = (i: number) => `user${i}@bench.example`;
  const indexes = Array.from({ length: options.users }, (_, i) => i);
  await phase('initial: users (GET filter + POST)', () => pool(indexes, options.concurrency, async (i) => {
    const userName = userNameOf(i);
    const bucket = bucketOf();
    let start = performance.now();
    await scim.request('GET /Users?filter userName eq', 'GET', `/Users?filter=${encodeURIComponent(`userName eq "${userName}"`)}`, undefined, 200);
    bucket.filter.push(performance.now() - start);
    start = performance.now();
    const created = await scim.request('POST /Users', 'POST', '/Users', entraUser({ userName, department: `Dept ${i % 20}`, employeeNumber: String(100000 + i) }), 201);
    bucket.post.push(performance.now() - start);
    ids[i] = (created.json as { id: string }).id;
    present += 1;
  }));

  // Initial cycle: groups created empty, then filled in batches of 100 members.
  const groupIds: string[] = [];
  await phase('initial: groups created empty', () => pool(Array.from({ length: options.groups }, (_, g) => g), options.concurrency, async (g) => {
    const name = `Group ${g}`;
    await scim.request('GET /Groups?filter displayName eq', 'GET', `/Groups?filter=${encodeURIComponent(`displayName eq "${name}"`)}&excludedAttributes=members`, undefined, 200);
    const created = await scim.request('POST /Groups', 'POST', '/Groups', entraGroup(name), 201);
    groupIds[g] = (created.json as { id: string }).id;
  }));
  // Entra changes one group's members one batch at a time, and several groups at once: the batches are
  // interleaved across groups (concurrent batches of one group would only queue on that group's row lock).
  const perGroup = groupIds.map((groupId, g) => {
    const size = Math.min(ids.length, 500 + (g % 5) * 100);
    const offset = (g * 997) % ids.length;
    const members = Array.from({ length: size }, (_, k) => ids[(offset + k) % ids.length]);
    const own: { group: string; members: string[] }[] = [];
    for (let b = 0; b < members.length; b += 100) own.push({ group: groupId, members: members.slice(b, b + 100) });
    return own;
  });
  const batches: { group: string; members: string[] }[] = [];
  for (let round = 0; perGroup.some((own) => own.length > round); round += 1) {
    for (const own of perGroup) if (own[round]) batches.push(own[round]);
  }
  await phase('initial: member batches of 100', () => pool(batches, options.concurrency, async ({ group, members }) => {
    await scim.request('PATCH /Groups add 100 members', 'PATCH', `/Groups/${group}`, addMembers(members), 204);
  }));

  // Incremental cycle.
  const sampleIndexes = (n: number, salt: number) => Array.from({ length: Math.min(n, ids.length) }, (_, k) => (k * 7919 + salt) % ids.length);
  const sample = (n: number, salt: number) => sampleIndexes(n, salt).map((i) => ids[i]);
  const patches = sampleIndexes(Math.ceil(options.users / 5), 1).map((i, k) => ({ id: ids[i], userName: userNameOf(i), k }));
  /** Entra's two PATCH shapes (with and without aadOptscim062020), `round` making each a change. */
  const entraPatch = (k: number, round: string) =>
    k % 2 === 0
      ? flagOffUserPatch([
          { path: 'title', value: `Title ${k}${round}` },
          { path: 'emails[type eq "work"].value', value: `changed${k}${round}@bench.example` },
          { path: `${ENTERPRISE_USER}:department`, value: `Dept ${k % 7}${round}` },
        ])
      : flagOnUserPatch('replace', { 'name.givenName': `Given${k}${round}`, [`${ENTERPRISE_USER}:employeeNumber`]: `${k}${round}`, active: 'True' });
  // An incremental cycle looks each changed user up by its matching attribute, then updates the match ("How
  // Application Provisioning works in Microsoft Entra ID", incremental cycles, steps 3 and 5), as the initial
  // cycle looks up before it creates.
  await phase('incremental: users changed (GET filter + PATCH)', () => pool(patches, options.concurrency, async ({ id, userName, k }) => {
    await scim.request('GET /Users?filter userName eq, then PATCH', 'GET', `/Users?filter=${encodeURIComponent(`userName eq "${userName}"`)}`, undefined, 200);
    await scim.request('PATCH /Users (Entra shapes)', 'PATCH', `/Users/${id}`, entraPatch(k, ''), 200);
  }));
  await phase('incremental: deactivations', () => pool(sample(Math.ceil(options.users / 20), 2), options.concurrency, async (id) => {
    await scim.request('PATCH /Users active=False', 'PATCH', `/Users/${id}`, deactivate(), 200);
  }));
  const pages = Array.from({ length: Math.ceil(options.users / 100) }, (_, p) => 1 + p * 100);
  await phase('incremental: paging GET /Users count=100', () => pool(pages, options.concurrency, async (startIndex) => {
    await scim.request('GET /Users page of 100', 'GET', `/Users?startIndex=${startIndex}&count=100`, undefined, 200);
  }));
  await phase('incremental: member removals', () => pool(groupIds.slice(0, Math.ceil(groupIds.length / 2)), options.concurrency, async (groupId) => {
    const members = await client.request('GET', `${basePath}/Groups/${groupId}?attributes=members`, { authorization: `Bearer ${generateScimToken.token}` });
    const listed = (JSON.parse(members.text) as { members?: { value: string }[] }).members ?? [];
    await scim.request('PATCH /Groups remove 10 members', 'PATCH', `/Groups/${groupId}`, removeMembers(listed.slice(0, 10).map((m) => m.value)), 204);
  }));
  const deletions = [...new Set(sample(Math.ceil(options.users / 20), 3))];
  await phase('incremental: deletes', () => pool(deletions, options.concurrency, async (id) => {
    await scim.request('DELETE /Users', 'DELETE', `/Users/${id}`, undefined, 204);
  }));

  // PATCH against POST like for like: each alone, as many, at the same concurrency, once this process has run both
  // (the cycle's first PATCHes pay for compiling their code). Kept out of the cycle's figures. In rounds ordered
  // PATCH, POST, POST, PATCH, so that neither gains from running later (a warmer JIT, a colder database): measured
  // one after the other, the order alone moved either p50 by ±1.5 ms on this machine.
  const alone = new Recorder();
  const aloneByRound = new Recorder();
  const aloneRuns: Phase[] = [];
  const runAlone = <T>(operation: string, round: number, items: T[], work: (item: T) => Promise<number>) =>
    phase(
      operation,
      () =>
        pool(items, options.concurrency, async (item) => {
          const started = performance.now();
          const status = await work(item);
          const elapsed = performance.now() - started;
          alone.record(operation, elapsed);
          aloneByRound.record(`${operation} #${round}`, elapsed);
          if (status >= 300) alone.fail(operation);
        }),
      aloneRuns,
      alone,
    );
  const deleted = new Set(deletions);
  const livePatches = patches.filter(({ id }) => !deleted.has(id));
  const headers = { authorization: `Bearer ${generateScimToken.token}`, 'content-type': 'application/scim+json' };
  const PATCH_ALONE = 'PATCH /Users (Entra shapes), again';
  const POST_ALONE = 'POST /Users, alone';
  const patchRound = (round: number) =>
    runAlone(PATCH_ALONE, round, livePatches, async ({ id, k }) => {
      return (await client.request('PATCH', `${basePath}/Users/${id}`, headers, JSON.stringify(entraPatch(k, ` again ${round}`)))).status;
    });
  const postRound = (round: number) =>
    runAlone(POST_ALONE, round, livePatches, async ({ k }) =>
      (await client.request('POST', `${basePath}/Users`, headers, JSON.stringify(entraUser({ userName: `alone${round}-${k}@bench.example`, department: `Dept ${k % 20}` }))))
        .status,
    );
  // The cycle ran POST 10,000 times but PATCH 2,500: TurboFan was still compiling the PATCH path for the first
  // time in the first PATCH round (V8's code log: `changeAttributes`, `applyToMatches`, `scimToUserAttributes`,
  // `userToScim`, `updateWithEvents` first optimized there; a function called once per request is optimized after
  // a few thousand calls). Warming PATCH up as POST was compares the two at their steady cost.
  for (let sent = 0, pass = 1; sent < options.warmUpPatches; pass += 1) {
    const batch = livePatches.slice(0, options.warmUpPatches - sent);
    await pool(batch, options.concurrency, async ({ id, k }) => {
      const { status } = await client.request('PATCH', `${basePath}/Users/${id}`, headers, JSON.stringify(entraPatch(k, ` warm-up ${pass}`)));
      if (status >= 300) alone.fail('PATCH /Users (Entra shapes), warm-up');
    });
    sent += batch.length;
  }
  // Each round starts once PostgreSQL is idle: what the phase before left it doing (autovacuum after the cycle's
  // deletes, a checkpoint) would otherwise land on whichever round comes next. Usually it already is (0.5 s each).
  let quietSeconds = 0;
  for (const round of [() => patchRound(1), () => postRound(1), () => postRound(2), () => patchRound(2)]) {
    quietSeconds += await untilDatabaseIsQuiet(cpu);
    await round();
  }
  client.close();
  const total = phases.reduce(
    (sum, p) => ({
      name: 'overall',
      requests: sum.requests + p.requests,
      seconds: sum.seconds + p.seconds,
      porticoCpu: sum.porticoCpu + p.porticoCpu,
      postgresCpu: sum.postgresCpu + p.postgresCpu,
    }),
    { name: 'overall', requests: 0, seconds: 0, porticoCpu: 0, postgresCpu: 0 },
  );
  // CPU ms per request of the Portico process and of PostgreSQL, and the share of a core each used.
  const cpuColumns = (p: Phase) =>
    `   CPU/req: Portico ${((p.porticoCpu * 1000) / p.requests).toFixed(2).padStart(5)} ms (${((p.porticoCpu / p.seconds) * 100).toFixed(0).padStart(3)} % of a core), PostgreSQL ${((p.postgresCpu * 1000) / p.requests).toFixed(2).padStart(5)} ms (${((p.postgresCpu / p.seconds) * 100).toFixed(0).padStart(3)} %)`;
  const lines = [
    `SCIM: ${options.users} users, ${options.groups} groups filled in ${batches.length} batches of ≤100, concurrency ${options.concurrency}`,
    ...[...phases, total].map(
      (p) => `  ${p.name.padEnd(44)} ${String(p.requests).padStart(7)} req in ${p.seconds.toFixed(1).padStart(6)} s = ${(p.requests / p.seconds).toFixed(0).padStart(6)} req/s${cpuColumns(p)}`,
    ),
    recorder.table(),
    'Filter and POST latency by users already present (p50 / p95 ms):',
    ...[...perThousand.entries()]
      .sort(([a], [b]) => a - b)
      .map(([bucket, { filter, post }]) => `  ${String(bucket * 1000).padStart(6)}–${String(bucket * 1000 + 999).padEnd(6)} filter ${quantiles(filter)}   POST ${quantiles(post)}`),
  ];
  const aloneSummary = (operation: string) => {
    const runs = aloneRuns.filter((run) => run.name === operation);
    const together = runs.reduce((sum, run) => ({
      name: operation,
      requests: sum.requests + run.requests,
      seconds: sum.seconds + run.seconds,
      porticoCpu: sum.porticoCpu + run.porticoCpu,
      postgresCpu: sum.postgresCpu + run.postgresCpu,
    }));
    const rounds = runs.map((_, r) => aloneByRound.stats(`${operation} #${r + 1}`).p50.toFixed(2)).join(', ');
    return `  ${operation.padEnd(36)} p50 ${alone.stats(operation).p50.toFixed(2).padStart(6)} ms (rounds ${rounds}), ${(together.requests / together.seconds).toFixed(0).padStart(5)} req/s${cpuColumns(together)}`;
  };
  lines.push(
    `PATCH against POST, each alone, warm (2 rounds of ${livePatches.length} each, PATCH POST POST PATCH, at concurrency ${options.concurrency}, after the cycle and ${options.warmUpPatches} more PATCHes left out, each once PostgreSQL was idle (${quietSeconds.toFixed(1)} s waited in all); not in the figures above):`,
    aloneSummary(PATCH_ALONE),
    aloneSummary(POST_ALONE),
  );
  for (const [operation, n] of alone.errors) recorder.errors.set(operation, n);
  const errors = [...recorder.errors.entries()];
  if (errors.length > 0) lines.push(`Unexpected statuses: ${errors.map(([op, n]) => `${op} ×${n}`).join(', ')}`);
  return lines;
}

function quantiles(list: number[]): string {
  const sorted = [...list].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
  return `${at(0.5).toFixed(2).padStart(6)} / ${at(0.95).toFixed(2).padStart(6)}`;
}
