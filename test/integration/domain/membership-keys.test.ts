import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Scope } from '../../../src/domain/shared/scope';
import { parseFilter } from '../../../src/scim/filter/parse-filter';
import { holdOpenWhile } from '../../helpers/commit-gate';
import { sql } from '../../helpers/database';
import { createTenant, startTestPortico, type TestPortico } from '../../helpers/portico';

/**
 * A membership's group and user are checked per statement by triggers (migration 20261201700000) instead of per
 * row by two foreign keys: what the keys guaranteed must still hold, concurrent deletions included.
 */
describe('membership keys, per statement', () => {
  let portico: TestPortico;
  let acme: Scope;
  let globex: Scope;
  const clients: pg.Client[] = [];

  const connect = async () => {
    const client = new pg.Client({ connectionString: portico.databaseUrl });
    await client.connect();
    clients.push(client);
    return client;
  };
  const user = async (scope: Scope, name: string) =>
    (await portico.services.users.provision(scope, { userName: `${name}@${scope.tenantId.slice(0, 8)}.example` }, 'SCIM')).id;
  const group = async (scope: Scope, name: string, members: string[] = []) => (await portico.services.groups.create(scope, { displayName: name }, members)).id;
  const membersOf = async (groupId: string) =>
    (await sql<{ user_id: string }>(portico.databaseUrl, 'select user_id from group_memberships where group_id = $1 order by user_id', [groupId])).map((r) => r.user_id);
  const insertMembership = (client: pg.Client, tenantId: string, groupId: string, userIds: string[]) =>
    client.query(
      `insert into group_memberships (group_id, user_id, tenant_id) select $1, unnest($2::uuid[]), $3`,
      [groupId, userIds, tenantId],
    );
  /** Whether `promise` is still pending after `ms` (it waits on a lock). */
  const stillWaiting = async (promise: Promise<unknown>, ms = 300) =>
    Promise.race([promise.then(() => false, () => false), new Promise<boolean>((resolve) => setTimeout(() => resolve(true), ms))]);

  beforeAll(async () => {
    portico = await startTestPortico();
    acme = await createTenant(portico, 'acme');
    globex = await createTenant(portico, 'globex');
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.end()));
  });
  afterAll(() => portico?.stop());

  it('refuses, with 23503 and nothing written, a membership whose user or group is not in its tenant', async () => {
    const client = await connect();
    const groupId = await group(acme, 'Refusals');
    const own = await user(acme, 'own');
    const foreign = await user(globex, 'foreign');
    const foreignGroup = await group(globex, 'Elsewhere');
    for (const [groupOf, users] of [
      [groupId, [own, foreign]],
      [groupId, [own, '00000000-0000-4000-8000-000000000000']],
      [foreignGroup, [own]],
    ] as const) {
      await expect(insertMembership(client, acme.tenantId, groupOf, [...users])).rejects.toMatchObject({ code: '23503', constraint: 'group_memberships_parents' });
    }
    expect(await membersOf(groupId)).toEqual([]);
    expect(await membersOf(foreignGroup)).toEqual([]);
    await insertMembership(client, acme.tenantId, groupId, [own]);
    expect(await membersOf(groupId)).toEqual([own]);
  });

  it('removes the memberships of a user, a group or a tenant deleted for good', async () => {
    const [a, b, c] = [await user(acme, 'gone-a'), await user(acme, 'gone-b'), await user(acme, 'gone-c')];
    const kept = await group(acme, 'Kept', [a, b, c]);
    const dropped = await group(acme, 'Dropped', [a, b]);
    await sql(portico.databaseUrl, 'delete from users where id = $1', [a]);
    expect(await membersOf(kept)).toEqual([b, c].sort());
    expect(await membersOf(dropped)).toEqual([b]);
    await sql(portico.databaseUrl, 'delete from idp_groups where id = $1', [dropped]);
    expect(await membersOf(dropped)).toEqual([]);
    expect(await membersOf(kept)).toEqual([b, c].sort());

    const initech = await createTenant(portico, 'initech');
    const members = [await user(initech, 'x'), await user(initech, 'y')];
    const initechGroup = await group(initech, 'Everyone', members);
    expect(await membersOf(initechGroup)).toHaveLength(2);
    await sql(portico.databaseUrl, 'delete from tenants where id = $1', [initech.tenantId]);
    expect(await sql(portico.databaseUrl, 'select * from group_memberships where tenant_id = $1', [initech.tenantId])).toEqual([]);
    expect(await membersOf(kept)).toEqual([b, c].sort());
  });

  it('holds the user and the group until commit: a deletion waits, then removes the new membership', async () => {
    const adder = await connect();
    const deleter = await connect();
    /** Adds `member` to `groupId` in an open transaction, starts `deletion` beside it, checks it waits, then commits the add. */
    const addWhileDeleting = async (member: string, groupId: string, deletion: string, deleted: string) => {
      await adder.query('begin');
      await insertMembership(adder, acme.tenantId, groupId, [member]);
      const deleting = deleter.query(deletion, [deleted]);
      expect(await stillWaiting(deleting)).toBe(true);
      await adder.query('commit');
      await deleting;
    };
    const member = await user(acme, 'held');
    const groupId = await group(acme, 'Held');
    await addWhileDeleting(member, groupId, 'delete from users where id = $1', member);
    expect(await membersOf(groupId)).toEqual([]);

    const other = await user(acme, 'held-2');
    await addWhileDeleting(other, groupId, 'delete from idp_groups where id = $1', groupId);
    expect(await sql(portico.databaseUrl, 'select * from group_memberships where user_id = $1', [other])).toEqual([]);
  });

  it("leaves out of a group's members a tombstone that kept a membership (added while it was being buried)", async () => {
    const [kept, buried] = [await user(acme, 'listed'), await user(acme, 'buried')];
    const groupId = await group(acme, 'Listed', [kept, buried]);
    await portico.services.users.delete(acme, buried);
    expect(await membersOf(groupId)).toEqual([kept]);
    // What a member add that committed after the burial removed the memberships leaves behind.
    await sql(portico.databaseUrl, 'insert into group_memberships (group_id, user_id, tenant_id) values ($1, $2, $3)', [groupId, buried, acme.tenantId]);
    const { members } = await portico.services.groups.getWithMembers(acme, groupId, { members: true });
    expect(members?.map((m) => m.id)).toEqual([kept]);
    const groupsOf = async (member: string) =>
      (await portico.services.groups.search(acme, { filter: parseFilter(`members.value eq "${member}"`), startIndex: 1, count: 10 }, { members: false })).items.map((g) => g.group.id);
    expect(await groupsOf(kept)).toEqual([groupId]);
    expect(await groupsOf(buried)).toEqual([]);
  });

  it('refuses a membership whose user is deleted by a transaction it waited for', async () => {
    const adder = await connect();
    const deleter = await connect();
    const member = await user(acme, 'racing');
    const groupId = await group(acme, 'Racing');
    await deleter.query('begin');
    await deleter.query('delete from users where id = $1', [member]);
    const adding = insertMembership(adder, acme.tenantId, groupId, [member]);
    const settled = adding.then(
      () => null,
      (error: unknown) => error,
    );
    expect(await stillWaiting(adding)).toBe(true);
    await deleter.query('commit');
    expect(await settled).toMatchObject({ code: '23503' });
    expect(await membersOf(groupId)).toEqual([]);
  });

  it("takes a member add's own lookup of its users (migration 20261202100000) for that statement only: the next one is checked", async () => {
    const client = await connect();
    const groupId = await group(acme, 'Trusted once');
    await client.query('begin');
    try {
      // What a SCIM member add says of itself, said by a statement before an insert of a user that does not exist.
      await client.query(`select set_config('portico.members_held', statement_timestamp()::text, true)`);
      await expect(insertMembership(client, acme.tenantId, groupId, ['00000000-0000-4000-8000-000000000000'])).rejects.toMatchObject({
        code: '23503',
        constraint: 'group_memberships_parents',
      });
    } finally {
      await client.query('rollback');
    }
    expect(await membersOf(groupId)).toEqual([]);
  });

  it('a member add holds its users until commit by itself: a deletion waits for it, one it waited for refuses it', async () => {
    const deleter = await connect();
    const [kept, racing] = [await user(acme, 'add-kept'), await user(acme, 'add-racing')];
    const groupId = await group(acme, 'Added at once');
    await deleter.query('begin');
    await deleter.query('delete from users where id = $1', [racing]);
    const adding = portico.services.groups.addMembers(acme, groupId, [kept, racing]);
    const settled = adding.then(
      () => null,
      (error: unknown) => error,
    );
    expect(await stillWaiting(adding)).toBe(true);
    await deleter.query('commit');
    expect(await settled).toMatchObject({ code: 'BAD_USER_INPUT', message: expect.stringContaining(racing) });
    expect(await membersOf(groupId)).toEqual([]);

    // Held: a deletion of a member waits for the add's commit, then takes the membership with it.
    const member = await user(acme, 'add-held');
    const heldGroup = await group(acme, 'Held at once');
    const { done, release } = await holdOpenWhile(portico.services.uow, () => portico.services.groups.addMembers(acme, heldGroup, [member]));
    const deleting = deleter.query('delete from users where id = $1', [member]);
    expect(await stillWaiting(deleting)).toBe(true);
    release();
    expect(await done).toBe(1);
    await deleting;
    expect(await membersOf(heldGroup)).toEqual([]);
  });
});
