import os from 'node:os';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { EMBEDDED_DATABASE } from '../src/db/database';
import { startEmbeddedPostgres } from '../src/db/embedded-postgres';
import { entraUser } from '../test/fixtures/entra';
import { graphql, HttpClient, pool, Recorder, type BenchServer } from './harness';

export interface UsersListScenarioOptions {
  /** Users of the measured tenant (a second tenant gets a tenth as many). */
  users: number;
  /** Requests measured per query, one at a time (a person at the console), after a warm-up. */
  samples: number;
  /** Users provisioned over SCIM before the bulk load (their rows are the template of the others). */
  scimUsers: number;
}

/** The console's own query (src/console/graphql/users.graphql). */
const CONSOLE_USERS = `query ConsoleUsers($tenant: String, $first: Int, $after: String, $filter: UserFilter) {
  users(tenant: $tenant, first: $first, after: $after, filter: $filter) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { cursor node { id userName displayName active source photoUrl title department } }
  }
}`;

const GIVEN = ['Anna', 'Ben', 'Carla', 'David', 'Elif', 'Farid', 'Greta', 'Hugo', 'Ines', 'Jonas', 'Kira', 'Lukas', 'Mara', 'Nils', 'Olga', 'Paul', 'Quentin', 'Rosa', 'Sven', 'Tara', 'Ugo', 'Vera', 'Wim', 'Xenia', 'Yusuf', 'Zoe', 'Aiko', 'Bruno', 'Chloe', 'Dario'];
const FAMILY = ['Schmidt', 'Meyer', 'Weber', 'Fischer', 'Wagner', 'Becker', 'Hoffmann', 'Koch', 'Richter', 'Klein', 'Wolf', 'Neumann', 'Schwarz', 'Braun', 'Zimmermann', 'Hartmann', 'Lange', 'Werner', 'Krause', 'Lehmann', 'Okafor', 'Novak', 'Rossi', 'Garcia', 'Kowalski', 'Yilmaz', 'Tanaka', 'Silva', 'Dubois', 'Jensen', 'Nguyen', 'Kumar', 'Haddad', 'Moreau', 'Popescu', 'Horvat', 'Larsen', 'Costa', 'Ivanova', 'Petit'];
const TITLES = ['Engineer', 'Senior Engineer', 'Designer', 'Product Manager', 'Sales Representative', 'Accountant', 'Recruiter', 'Support Agent'];
const DEPARTMENTS = ['R&D', 'Sales', 'Finance', 'People', 'Support', 'Marketing', 'Legal', 'Operations'];

const sqlArray = (values: string[]) => `array[${values.map((v) => `'${v.replace(/'/g, "''")}'`).join(', ')}]`;

/**
 * The console's *Users* screen at `users` users (SPEC §8, issue 13): the first page with its total, a page deep in
 * (the cursor of page 100), search by a common, a rare and an absent substring, and the deactivated filter, each
 * timed over GraphQL exactly as the console asks, one request at a time.
 *
 * Seeding: `scimUsers` users are provisioned over SCIM (POST, concurrency 16) and their rate is printed; the rest
 * are copied from one of those rows with a single `insert … select … from generate_series` through a direct
 * connection to the bench server's embedded PostgreSQL (joined from its data directory, as a second Portico
 * process would), since 100,000 SCIM POSTs take longer than the bench should on a small machine. Every column the
 * list reads is varied (names, e-mail, active, title, department, creation time); one row in 53 is a tombstone
 * (`deleted_at`) and a second tenant holds a tenth as many users, so neither filter is a no-op. The table is then
 * vacuumed and analysed, the state autovacuum reaches within a minute of such a load.
 */
export async function runUsersListScenario(server: BenchServer & { dataDir: string }, options: UsersListScenarioOptions): Promise<string[]> {
  const slug = `users-${Date.now().toString(36)}`;
  const otherSlug = `${slug}-other`;
  const tenantId = ((await graphql(server, 'mutation($s: String!) { createTenant(input: { slug: $s }) { id } }', { s: slug })) as { createTenant: { id: string } }).createTenant.id;
  const otherId = ((await graphql(server, 'mutation($s: String!) { createTenant(input: { slug: $s }) { id } }', { s: otherSlug })) as { createTenant: { id: string } }).createTenant.id;
  await graphql(server, 'mutation($s: String) { enableScim(tenant: $s) { enabled } }', { s: slug });
  const token = ((await graphql(server, 'mutation($s: String) { generateScimToken(tenant: $s) { token } }', { s: slug })) as { generateScimToken: { token: string } })
    .generateScimToken.token;
  const client = new HttpClient(server.url, 16);
  const lines: string[] = [];

  // 1. Through SCIM, as Entra provisions them.
  const scimStart = performance.now();
  let templateId = '';
  await pool(Array.from({ length: options.scimUsers }, (_, i) => i), 16, async (i) => {
    const response = await client.request(
      'POST',
      `/api/${slug}/scim/v2/Users`,
      { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json' },
      JSON.stringify(entraUser({ userName: `scim.person${i}@fabrikam.example`, givenName: 'Scim', familyName: `Person${i}`, department: 'Provisioned' })),
    );
    if (response.status !== 201) throw new Error(`SCIM POST /Users: ${response.status} ${response.text.slice(0, 200)}`);
    if (i === 0) templateId = (JSON.parse(response.text) as { id: string }).id;
  });
  const scimSeconds = (performance.now() - scimStart) / 1000;
  const scimRate = options.scimUsers / scimSeconds;
  lines.push(
    `Seeding: ${options.scimUsers} users over SCIM POST (concurrency 16) in ${scimSeconds.toFixed(1)} s = ${scimRate.toFixed(0)}/s` +
      ` (${((options.users / scimRate) / 60).toFixed(1)} min for ${options.users.toLocaleString('en')}: the rest are bulk-inserted in SQL)`,
  );

  // 2. The rest in one statement per tenant, copied from a SCIM-provisioned row.
  const cluster = await startEmbeddedPostgres({ dataDir: server.dataDir, persistent: true });
  const db = new pg.Client({ connectionString: cluster.urlFor(EMBEDDED_DATABASE) });
  await db.connect();
  try {
    const columns = (
      await db.query<{ name: string }>(`select column_name as name from information_schema.columns where table_name = 'users' and table_schema = current_schema() and is_generated = 'NEVER' order by ordinal_position`)
    ).rows.map((r) => r.name);
    const varied: Record<string, string> = {
      id: 'gen_random_uuid()',
      tenant_id: '$2::uuid',
      user_name: `lower(p.given) || '.' || lower(p.family) || p.i || '@contoso.example'`,
      external_id: `lower(p.given) || '.' || lower(p.family) || p.i`,
      display_name: `p.given || ' ' || p.family`,
      given_name: 'p.given',
      family_name: 'p.family',
      formatted_name: `p.given || ' ' || p.family`,
      emails: `jsonb_set(t.emails, '{0,value}', to_jsonb(lower(p.given) || '.' || lower(p.family) || p.i || '@contoso.example'))`,
      active: 'p.i % 11 <> 0',
      title: `(${sqlArray(TITLES)})[1 + p.i % ${TITLES.length}]`,
      department: `(${sqlArray(DEPARTMENTS)})[1 + (p.i / 7) % ${DEPARTMENTS.length}]`,
      created_at: `now() - (($3::int - p.i) * interval '1 second')`,
      updated_at: `now() - (($3::int - p.i) * interval '1 second')`,
      deleted_at: `case when p.i % 53 = 7 then now() else null end`,
      version: '1',
    };
    const insert = (count: number) => `
      insert into users (${columns.map((c) => `"${c}"`).join(', ')})
      select ${columns.map((c) => varied[c] ?? `t."${c}"`).join(', ')}
      from users t,
        lateral (select i, (${sqlArray(GIVEN)})[1 + i % ${GIVEN.length}] as given,
                           (${sqlArray(FAMILY)})[1 + (i / ${GIVEN.length}) % ${FAMILY.length}] as family
                 from generate_series(1, ${count}) i) p
      where t.id = $1::uuid`;
    const bulk = options.users - options.scimUsers;
    const loadStart = performance.now();
    await db.query(insert(bulk), [templateId, tenantId, bulk]);
    await db.query(insert(Math.round(options.users / 10)), [templateId, otherId, Math.round(options.users / 10)]);
    const loadSeconds = (performance.now() - loadStart) / 1000;
    const vacuumStart = performance.now();
    await db.query('vacuum analyze users');
    lines.push(
      `  + ${bulk.toLocaleString('en')} users (and ${Math.round(options.users / 10).toLocaleString('en')} in a second tenant) by insert … select generate_series in ${loadSeconds.toFixed(1)} s; vacuum analyze ${((performance.now() - vacuumStart) / 1000).toFixed(1)} s`,
    );
    const { rows } = await db.query<{ live: string; tombstones: string; inactive: string }>(
      `select count(*) filter (where deleted_at is null) as live, count(*) filter (where deleted_at is not null) as tombstones,
              count(*) filter (where deleted_at is null and not active) as inactive
       from users where tenant_id = $1`,
      [tenantId],
    );
    lines.push(`  tenant "${slug}": ${Number(rows[0].live).toLocaleString('en')} live users (${Number(rows[0].inactive).toLocaleString('en')} deactivated), ${Number(rows[0].tombstones).toLocaleString('en')} tombstones`);
  } finally {
    await db.end();
    await cluster.stop(); // joined, not started: leaves the server's cluster running
  }

  // 3. The console's queries.
  type Connection = { totalCount: number; pageInfo: { hasNextPage: boolean; endCursor: string | null }; edges: unknown[] };
  const ask = async (variables: Record<string, unknown>): Promise<Connection> => {
    const response = await client.request('POST', '/graphql', { 'content-type': 'application/json', authorization: `Bearer ${server.operatorToken}` }, JSON.stringify({ query: CONSOLE_USERS, variables: { tenant: slug, first: 50, ...variables } }));
    const body = JSON.parse(response.text) as { data?: { users: Connection }; errors?: unknown[] };
    if (body.errors) throw new Error(JSON.stringify(body.errors));
    return body.data!.users;
  };
  let cursor: string | null = null;
  for (let page = 1; page < 100; page += 1) cursor = (await ask({ after: cursor })).pageInfo.endCursor;

  const cases: [string, Record<string, unknown>][] = [
    ['first page (50) + totalCount', {}],
    ['page 100 (after cursor)', { after: cursor }],
    ['search "contoso" (every user)', { filter: { search: 'contoso' } }],
    ['search "anna" (common)', { filter: { search: 'anna' } }],
    ['search "an" (two letters)', { filter: { search: 'an' } }],
    ['search "73911" (rare)', { filter: { search: '73911' } }],
    ['search "zzqx" (nothing)', { filter: { search: 'zzqx' } }],
    ['active: false', { filter: { active: false } }],
    ['active: false + search "anna"', { filter: { active: false, search: 'anna' } }],
    ['userName (exact)', { filter: { userName: 'Anna.Meyer30@contoso.example' } }],
  ];
  const recorder = new Recorder();
  const matched: string[] = [];
  // The machine may be shared: its load tells how far the figures are from an idle one's.
  const loadBefore = os.loadavg()[0];
  for (const [label, variables] of cases) {
    const first = await ask(variables);
    matched.push(`  ${label.padEnd(34)} totalCount ${String(first.totalCount).padStart(7)}, ${first.edges.length} on the page`);
    for (let i = 0; i < 10; i += 1) await ask(variables);
    for (let i = 0; i < options.samples; i += 1) await recorder.time(label, () => ask(variables));
  }
  client.close();
  return [
    `Users list: the console's ConsoleUsers query over GraphQL at ${options.users.toLocaleString('en')} users, one request at a time, ${options.samples} samples each`,
    ...lines,
    recorder.table(),
    `  (1-minute load average of the machine: ${loadBefore.toFixed(1)} before, ${os.loadavg()[0].toFixed(1)} after the timed requests, on ${os.cpus().length} cores)`,
    'What each query matched:',
    ...matched,
  ];
}
