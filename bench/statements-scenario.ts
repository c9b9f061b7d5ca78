import { readFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { addMembers, entraGroup, entraUser } from '../test/fixtures/entra';
import { cpuOf, graphql, HttpClient, pool, type BenchServer } from './harness';

export interface StatementsScenarioOptions {
  /** Executions per statement, kind and round. */
  executions: number;
  rounds: number;
}

/** The access query of src/domain/access/access-query.ts, as it stood when this was measured. */
const ACCESS = `select u.id as user_id, u.active, t.fallback_team_id, ft.name as fallback_team_name, (extract(epoch from ft.created_at) * 1000)::float8 as fallback_team_created_at,
    pm.id as mapping_id, pm.group_id, g.display_name as group_name, pm.global_level,
    g.external_id as group_external_id, (extract(epoch from g.created_at) * 1000)::float8 as group_created_at, (extract(epoch from g.updated_at) * 1000)::float8 as group_updated_at,
    tg.team_id, tm.name as team_name, (extract(epoch from tm.created_at) * 1000)::float8 as team_created_at, tg.level
  from users u
  join tenants t on t.id = u.tenant_id
  left join teams ft on ft.id = t.fallback_team_id
  left join lateral (
    select pm.* from permission_mappings pm
     where pm.tenant_id = u.tenant_id
       and (pm.group_id is null or exists (select 1 from group_memberships m where m.group_id = pm.group_id and m.user_id = u.id))
  ) pm on true
  left join idp_groups g on g.id = pm.group_id
  left join mapping_team_grants tg on tg.mapping_id = pm.id
  left join teams tm on tm.id = tg.team_id
 where u.tenant_id = $1 and u.id = any($2::uuid[])`;

/** CPU time of a process in milliseconds (user + system), from /proc. */
const cpuMs = (pid: number): number => cpuOf(pid) * 1000;

/**
 * The hot reads as named prepared statements (planned once per connection) and unnamed (parsed and planned on
 * every execution, as behind a transaction pooler): CPU per execution of the PostgreSQL backend (/proc) and of
 * this process, on one direct connection to the bench server's embedded database. CPU, not wall time: the
 * figures hold on a machine busy with other work.
 */
export async function runStatementsScenario(server: BenchServer & { dataDir: string }, options: StatementsScenarioOptions): Promise<string[]> {
  const slug = `stmt-${Date.now().toString(36)}`;
  await graphql(server, 'mutation($s: String!) { createTenant(input: { slug: $s }) { id } }', { s: slug });
  await graphql(server, 'mutation($s: String) { enableScim(tenant: $s) { enabled } }', { s: slug });
  const token = ((await graphql(server, 'mutation($s: String) { generateScimToken(tenant: $s) { token } }', { s: slug })) as { generateScimToken: { token: string } })
    .generateScimToken.token;
  const client = new HttpClient(server.url, 8);
  const scim = async (method: string, p: string, body: unknown) => {
    const response = await client.request(method, `/api/${slug}/scim/v2${p}`, { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json' }, JSON.stringify(body));
    if (response.status >= 300) throw new Error(`${method} ${p}: ${response.status} ${response.text.slice(0, 200)}`);
    return response.text ? (JSON.parse(response.text) as { id: string }) : undefined;
  };
  // 1,000 users; 50 groups, each mapped (a level and a team grant), one user in all of them.
  const users: string[] = new Array(1000);
  await pool(Array.from({ length: users.length }, (_, i) => i), 8, async (i) => {
    users[i] = (await scim('POST', '/Users', entraUser({ userName: `statement${i}@bench.example` })))!.id;
  });
  const team = ((await graphql(server, 'mutation($s: String) { createTeam(tenant: $s, name: "Bench") { id } }', { s: slug })) as { createTeam: { id: string } }).createTeam.id;
  for (let g = 0; g < 50; g += 1) {
    const group = (await scim('POST', '/Groups', entraGroup(`Statement ${g}`)))!.id;
    await graphql(server, 'mutation($s: String, $g: ID!, $i: MappingInput!) { setGroupMapping(tenant: $s, groupId: $g, input: $i) { globalLevel } }', {
      s: slug,
      g: group,
      i: { globalLevel: 'VIEWER', teams: [{ teamId: team, level: 'COLLABORATOR' }] },
    });
    await scim('PATCH', `/Groups/${group}`, addMembers([users[0], users[1 + g]]));
  }
  client.close();

  // The bench server's embedded cluster, directly.
  const password = readFileSync(path.join(server.dataDir, 'pg-password'), 'utf8').trim();
  const port = Number(readFileSync(path.join(server.dataDir, 'pg', 'postmaster.pid'), 'utf8').split('\n')[3]);
  const db = new pg.Client({ connectionString: `postgresql://portico:${encodeURIComponent(password)}@127.0.0.1:${port}/portico` });
  await db.connect();
  try {
    const backend = (await db.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0].pid;
    const tenantId = (await db.query<{ id: string }>('select id from tenants where slug = $1', [slug])).rows[0].id;
    const columns = (await db.query<{ c: string }>(`select column_name as c from information_schema.columns where table_name = 'users' order by ordinal_position`)).rows;
    const byId = `select ${columns.map((c) => `"${c.c}"`).join(', ')} from "users" where id = $1 and tenant_id = $2`;
    const cases: { label: string; text: string; values: (k: number) => unknown[]; inTransaction: boolean }[] = [
      { label: 'a user by id (rowById)', text: byId, values: (k) => [users[k % users.length], tenantId], inTransaction: false },
      { label: 'a user by id for update, in a transaction', text: `${byId} for update`, values: (k) => [users[k % users.length], tenantId], inTransaction: true },
      { label: 'access of a user in 50 mapped groups', text: ACCESS, values: () => [tenantId, [users[0]]], inTransaction: false },
      { label: 'access of a user in 1 mapped group', text: ACCESS, values: (k) => [tenantId, [users[1 + (k % 50)]]], inTransaction: false },
    ];
    const results = new Map<string, { postgres: number[]; node: number[] }>();
    for (let round = 0; round < options.rounds; round += 1) {
      for (const { label, text, values, inTransaction } of cases) {
        for (const named of [true, false]) {
          const name = `bench_statement_${round}_${cases.findIndex((c) => c.label === label)}`;
          const run = async (k: number) => {
            if (inTransaction) await db.query('begin');
            await db.query(named ? { name, text, values: values(k) } : { text, values: values(k) });
            if (inTransaction) await db.query('commit');
          };
          // Past PostgreSQL's five custom plans of a named statement, before measuring.
          for (let k = 0; k < 20; k += 1) await run(k);
          const postgresBefore = cpuMs(backend);
          const nodeBefore = process.cpuUsage();
          for (let k = 0; k < options.executions; k += 1) await run(k);
          const nodeUsed = process.cpuUsage(nodeBefore);
          const entry = results.get(`${label}|${named}`) ?? { postgres: [], node: [] };
          entry.postgres.push((cpuMs(backend) - postgresBefore) / options.executions);
          entry.node.push((nodeUsed.user + nodeUsed.system) / 1000 / options.executions);
          results.set(`${label}|${named}`, entry);
        }
      }
    }
    const median = (list: number[]) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)];
    const lines = [
      `Statements named and unnamed: CPU ms per execution, median of ${options.rounds} rounds of ${options.executions} (PostgreSQL backend; this Node process)`,
      `  ${'statement'.padEnd(44)} ${'named pg'.padStart(9)} ${'unnamed'.padStart(9)} ${'named node'.padStart(11)} ${'unnamed'.padStart(9)}`,
    ];
    for (const { label } of cases) {
      const [named, unnamed] = [results.get(`${label}|true`)!, results.get(`${label}|false`)!];
      const fmt = (list: number[], width: number) => median(list).toFixed(3).padStart(width);
      lines.push(`  ${label.padEnd(44)} ${fmt(named.postgres, 9)} ${fmt(unnamed.postgres, 9)} ${fmt(named.node, 11)} ${fmt(unnamed.node, 9)}`);
    }
    return lines;
  } finally {
    await db.end();
  }
}
