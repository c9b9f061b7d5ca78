import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initOrm, migrateToLatest, type Orm } from '../../src/db/orm';
import { createTestDatabase } from '../helpers/database';

/**
 * Tables the migrations create that have no entity, on purpose: each is read and written only through the
 * SQL of its repository (photos as bytea streamed by the photo repository, counters bumped by an upsert, live user counts inserted by triggers, SAML
 * replay guards inserted and expired by statement), so an entity would be a second description nobody uses.
 */
const TABLES_WITHOUT_ENTITY = [
  'directory_providers',
  'directory_syncs',
  'user_photos',
  'scim_request_counts',
  'live_user_counts',
  'saml_pending_requests',
  'saml_accepted_assertions',
  'saml_accepted_logout_requests',
];

/**
 * Foreign keys the entities cannot declare: every entity holds its references as plain ids (tenant-scoped
 * reads, no ORM relations), and MikroORM declares foreign keys only for relations. Most are composite
 * `(tenant_id, x) references t (tenant_id, id)` keys, which keep a row from pointing into another tenant.
 * Listed one by one: a key missing from the database, or one added without being listed here, fails the test.
 */
const FOREIGN_KEYS_WITHOUT_RELATION = [
  'credentials.credentials_tenant_id_fkey',
  'idp_groups.idp_groups_tenant_id_fkey',
  'mapping_team_grants.mapping_team_grants_tenant_id_fkey',
  'mapping_team_grants.mapping_team_grants_tenant_id_mapping_id_fkey',
  'mapping_team_grants.mapping_team_grants_tenant_id_team_id_fkey',
  'permission_mappings.permission_mappings_tenant_id_fkey',
  'permission_mappings.permission_mappings_tenant_id_group_id_fkey',
  'provisioning_events.provisioning_events_tenant_id_fkey',
  'saml_connections.saml_connections_tenant_id_fkey',
  'sessions.sessions_tenant_id_user_id_fkey',
  'teams.teams_tenant_id_fkey',
  'tenants.tenants_fallback_team_fk',
  'users.users_tenant_id_fkey',
];

const dropOf = (key: string) => {
  const [table, name] = key.split('.');
  return `alter table "${table}" drop constraint "${name}";`;
};

/** The diff's statements, one per entry, without blank lines. */
const statementsOf = (sql: string) =>
  sql
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.length > 0);

describe('entities and migrations', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let orm: Orm;
  beforeAll(async () => {
    database = await createTestDatabase();
    orm = await initOrm(database.url, { schemaGenerator: { skipTables: TABLES_WITHOUT_ENTITY } });
    await migrateToLatest(orm);
  });
  afterAll(async () => {
    await orm?.close();
    await database?.drop();
  });

  it('agree: after every migration, the schema the entities describe needs no change but the listed foreign keys', async () => {
    let statements = statementsOf(await orm.getSchemaGenerator().getUpdateSchemaSQL({ wrap: false }));
    // The search's trigram index exists only where PostgreSQL has pg_trgm (the migration goes on without it).
    const [{ trgm }] = await orm.em.getConnection().execute<{ trgm: boolean }[]>(`select exists (select 1 from pg_extension where extname = 'pg_trgm') as trgm`);
    if (!trgm) statements = statements.filter((s) => !/^create index "?users_search_trgm"? /.test(s));
    expect(statements.filter((s) => !FOREIGN_KEYS_WITHOUT_RELATION.map(dropOf).includes(s))).toEqual([]);
    // Each listed key exists (the diff would drop it): the list names nothing that is not there.
    expect(statements.sort()).toEqual(FOREIGN_KEYS_WITHOUT_RELATION.map(dropOf).sort());
  });

  it('the tables without an entity exist: the exception names nothing that is not there', async () => {
    const rows = await orm.em.getConnection().execute<{ table_name: string }[]>(
      `select table_name from information_schema.tables where table_schema = current_schema() and table_name in (${TABLES_WITHOUT_ENTITY.map(() => '?').join(', ')})`,
      TABLES_WITHOUT_ENTITY,
    );
    expect(rows.map((r) => r.table_name).sort()).toEqual([...TABLES_WITHOUT_ENTITY].sort());
  });
});
