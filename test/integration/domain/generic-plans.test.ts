import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { namedStatements } from '../../../src/domain/shared/sql-client';
import { ProvisioningEventsDocument, UserAccessDocument, UserDocument } from '../../generated/graphql';
import { addMembers, deactivate, entraGroup, entraUser, ENTERPRISE_USER, flagOffUserPatch, flagOnUserPatch, removeMembers } from '../../fixtures/entra';
import { startTestPortico, type TestPortico } from '../../helpers/portico';
import { samlTenant } from '../../helpers/saml';
import { scimTenant, type ScimClient } from '../../helpers/scim';

/** Tables that hold every tenant's rows by the thousand: a walk of one tenant's rows in them is the trap. */
const TENANT_TABLES = new Set(['users', 'provisioning_events', 'group_memberships', 'idp_groups', 'sessions']);

/** Statements whose work is a walk of the tenant's rows, by design. */
const WALKS_BY_DESIGN = new Set([
  // The tenant's users at the start of the deprovisioning window: a count of them (live or deleted within the hour).
  'portico_deprovisioning_users',
]);

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Index Cond'?: string;
  Filter?: string;
  Plans?: PlanNode[];
}

/** An index condition that names the tenant and nothing else: the scan reads every row of the tenant in that index. */
const onlyTheTenant = (condition: string | undefined): boolean => condition !== undefined && /^\(\(?(\w+\.)?tenant_id = [^()]+\)?\)$/.test(condition.trim());

/**
 * The scans of a plan that read a whole tenant of a big table to find what a filter keeps: an index scan whose
 * only condition is the tenant, with a filter (a bitmap scan: its heap scan's filter), or a sequential scan.
 */
function tenantWalks(node: PlanNode, parent?: PlanNode): string[] {
  const found: string[] = [];
  const table = node['Relation Name'] ?? parent?.['Relation Name'];
  if (table && TENANT_TABLES.has(table)) {
    if (node['Node Type'] === 'Seq Scan') found.push(`Seq Scan on ${table} (Filter: ${node.Filter ?? 'none'})`);
    const filtered = node.Filter ?? (node['Node Type'] === 'Bitmap Index Scan' ? parent?.Filter : undefined);
    if (/Index/.test(node['Node Type']) && onlyTheTenant(node['Index Cond']) && filtered) {
      found.push(`${node['Node Type']} using ${node['Index Name']} (${node['Index Cond']}) filtering ${filtered}`);
    }
  }
  for (const child of node.Plans ?? []) found.push(...tenantWalks(child, node));
  return found;
}

/**
 * A named statement is planned for any values once per connection (its generic plan), and on a fresh install
 * that happens while the tables are nearly empty and not analysed yet: every index that serves the tenant's
 * condition costs about the same then, and the planner may pick one that, once the tenant has grown, walks all of
 * its rows for a lookup of one (twice met: a PATCH's user lookup, then a userName lookup, each reading a
 * 10,000-user tenant per request). This runs an Entra cycle, a SAML sign-in and a deletion without tombstones on
 * fresh databases so that every hot named statement is made, then asks PostgreSQL for the generic plan of each, on
 * the tables as that cycle left them.
 */
describe('generic plans of the named statements on tables not analysed yet', () => {
  let portico: TestPortico;
  let withoutTombstones: TestPortico;
  let scim: ScimClient;
  let client: pg.Client;

  beforeAll(async () => {
    portico = await startTestPortico();
    const saml = await samlTenant(portico, 'planner', { idpInitiatedSignIn: true });
    scim = saml.scim;
    const ids: string[] = [];
    for (let i = 0; i < 8; i += 1) {
      await scim.get('/Users', { filter: `userName eq "user${i}@planner.example"` });
      ids.push((await scim.post('/Users', entraUser({ userName: `user${i}@planner.example` }))).body.id);
    }
    const group = (await scim.post('/Groups', entraGroup('Planners'))).body.id;
    await scim.get('/Groups', { filter: 'displayName eq "Planners"', excludedAttributes: 'members' });
    await scim.patch(`/Groups/${group}`, addMembers(ids.slice(0, 6)));
    await scim.patch(`/Groups/${group}`, removeMembers(ids.slice(0, 2)));
    await scim.get(`/Groups/${group}`);
    for (const id of ids.slice(0, 3)) {
      await scim.get(`/Users/${id}`);
      await scim.patch(`/Users/${id}`, flagOffUserPatch([{ path: 'title', value: 'Planner' }, { path: `${ENTERPRISE_USER}:department`, value: 'Plans' }]));
      await scim.patch(`/Users/${id}`, flagOnUserPatch('replace', { 'name.givenName': 'Plan', active: 'True' }));
    }
    await scim.patch(`/Users/${ids[3]}`, deactivate());
    await scim.patch(`/Users/${ids[3]}`, flagOnUserPatch('replace', { active: 'True' }));
    await scim.delete(`/Users/${ids[4]}`);
    // The same person provisioned again: the tombstone comes back.
    await scim.post('/Users', entraUser({ userName: 'user4@planner.example' }));
    await scim.get('/Users', { startIndex: '1', count: '5' });
    await portico.gql(UserDocument, { tenant: 'planner', id: ids[5] });
    await portico.gql(UserAccessDocument, { tenant: 'planner', id: ids[5] });
    await portico.gql(ProvisioningEventsDocument, { tenant: 'planner', first: 5 });
    await portico.gql(ProvisioningEventsDocument, { tenant: 'planner', first: 5, filter: { types: ['USER_CREATED'] } });
    expect((await saml.signIn('user5@planner.example')).status).toBe(303);
    // A deletion with no tombstone kept is a statement of its own.
    withoutTombstones = await startTestPortico({ PORTICO_DELETED_USER_RETENTION_DAYS: '0' });
    const forgetful = await scimTenant(withoutTombstones, 'forgetful');
    await forgetful.delete(`/Users/${(await forgetful.post('/Users', entraUser({ userName: 'gone@forgetful.example' }))).body.id}`);
    client = new pg.Client({ connectionString: portico.databaseUrl });
    await client.connect();
  });
  afterAll(async () => {
    await client?.end();
    await portico?.stop();
    await withoutTombstones?.stop();
  });

  it('never walks a whole tenant of a big table for what one of its indexes finds', async () => {
    const statements = [...namedStatements()];
    // The cycle above made the hot statements of every kind: the write of a user with its event among them.
    expect(statements.map(([name]) => name)).toEqual(
      expect.arrayContaining(['portico_user_by_id', 'portico_user_insert_1', 'portico_user_update_1', 'portico_group_members_add', 'portico_session_sign_in', 'portico_user_delete']),
    );
    const walks: string[] = [];
    for (const [name, text] of statements) {
      if (WALKS_BY_DESIGN.has(name)) continue;
      const [{ 'QUERY PLAN': plan }] = (await client.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(`explain (generic_plan, format json) ${text}`)).rows;
      walks.push(...tenantWalks(plan[0].Plan).map((walk) => `${name}: ${walk}`));
    }
    expect(walks).toEqual([]);
  });

  it("keeps Entra's userName lookup on its own key: one index lookup, not a walk of the tenant", async () => {
    const lookup = namedStatements().get('portico_user_by_user_name');
    expect(lookup).toBeDefined();
    const [{ 'QUERY PLAN': plan }] = (await client.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(`explain (generic_plan, format json) ${lookup}`)).rows;
    expect(plan[0].Plan).toMatchObject({ 'Node Type': 'Index Scan', 'Index Name': 'users_name_key' });
  });

  it('finds a SCIM page of live users in their order from its key: the index walked from there, not the tenant sorted', async () => {
    const page = namedStatements().get('portico_live_user_page');
    expect(page).toBeDefined();
    const [{ 'QUERY PLAN': plan }] = (await client.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(`explain (generic_plan, format json) ${page}`)).rows;
    const scans = (node: PlanNode): PlanNode[] => [node, ...(node.Plans ?? []).flatMap(scans)].filter((n) => n['Relation Name'] === 'users' && /Scan/.test(n['Node Type']));
    expect(scans(plan[0].Plan)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ 'Index Name': 'users_tenant_created_live', 'Index Cond': expect.stringMatching(/tenant_id = \$1.*ROW\(created_at, id\) > ROW\(\$2/) }),
      ]),
    );
  });

  it("reads a group's members from its memberships and each member by id, not every live user probed for a membership", async () => {
    const members = namedStatements().get('portico_members_of_groups');
    expect(members).toBeDefined();
    const [{ 'QUERY PLAN': plan }] = (await client.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(`explain (generic_plan, format json) ${members}`)).rows;
    const scansOf = (table: string, node: PlanNode): PlanNode[] =>
      [node, ...(node.Plans ?? []).flatMap((child) => scansOf(table, child))].filter((n) => n['Relation Name'] === table && /Scan/.test(n['Node Type']));
    expect(scansOf('users', plan[0].Plan).map((scan) => `${scan['Node Type']} ${scan['Index Name'] ?? ''} ${scan['Index Cond'] ?? ''}`)).toEqual([
      expect.stringMatching(/^Index Scan users_(pkey|tenant_id_unique) .*\bid = m\.user_id\b/),
    ]);
    const nodes = (node: PlanNode): PlanNode[] => [node, ...(node.Plans ?? []).flatMap(nodes)];
    expect(nodes(plan[0].Plan).filter((n) => n['Index Name']?.startsWith('group_memberships') || (n['Relation Name'] === 'group_memberships' && n['Node Type'] === 'Seq Scan'))).toEqual([
      expect.objectContaining({ 'Index Name': 'group_memberships_pkey', 'Index Cond': '(group_id = ANY ($1))' }),
    ]);
  });
});
