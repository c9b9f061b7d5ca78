import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Portico } from '../../../src/app';
import { deactivate, entraUser, flagOffUserPatch } from '../../fixtures/entra';
import { sql } from '../../helpers/database';
import { startSecondPortico, startTestPortico, type TestPortico } from '../../helpers/portico';
import { scimClient, scimTenant, type ScimClient } from '../../helpers/scim';
import { watchStatements } from '../../helpers/statements';

/**
 * A PATCH starts from the user as this process last provisioned, read or wrote it (one statement, no read), and
 * stays right when that copy is stale: two processes on one database, each changing what the other remembers.
 */
describe('SCIM PATCH from the user a process remembers', () => {
  let a: TestPortico;
  let b: Portico;
  let viaA: ScimClient;
  let viaB: ScimClient;
  const statements: string[] = [];
  let unwatch = () => {};

  beforeAll(async () => {
    const secretKey = randomBytes(32).toString('hex');
    a = await startTestPortico({ PORTICO_SECRET_KEY: secretKey });
    b = await startSecondPortico(a, secretKey);
    viaA = await scimTenant(a, 'remembered');
    viaB = scimClient({ ...a, url: b.url } as TestPortico, 'remembered', viaA.token, viaA.scope);
    unwatch = watchStatements(({ name }) => {
      if (name) statements.push(name);
    });
  });
  afterAll(async () => {
    unwatch();
    await b?.close();
    await a?.stop();
  });

  /** The named user statements `run` made (reads by id, updates). */
  const userStatementsOf = async (run: () => Promise<unknown>) => {
    statements.length = 0;
    await run();
    return statements.filter((name) => /^portico_user_(by_id|update)/.test(name)).map((name) => name.replace(/^portico_(user_[a-z_]+?)(_\d+)?$/, '$1'));
  };
  const provision = async (userName: string) => {
    const created = await viaA.post('/Users', entraUser({ userName }));
    expect(created.status).toBe(201);
    return created.body as { id: string; meta: { version: string } };
  };
  const titleOf = async (id: string) => ((await viaA.get(`/Users/${id}`)).body as { title?: string }).title;

  it('a user this process provisioned is changed in one statement: the write, no read', async () => {
    const { id } = await provision('one@remembered.example');
    const used = await userStatementsOf(() => viaA.patch(`/Users/${id}`, flagOffUserPatch([{ path: 'title', value: 'First' }])));
    expect(used).toEqual(['user_update']);
    expect(await titleOf(id)).toBe('First');
    // And the next change starts from the one just written.
    expect(await userStatementsOf(() => viaA.patch(`/Users/${id}`, flagOffUserPatch([{ path: 'title', value: 'Second' }])))).toEqual(['user_update']);
    expect(await titleOf(id)).toBe('Second');
  });

  it('a change made by another process is not lost: the stale copy is read again and the change applied to the row', async () => {
    const { id } = await provision('two@remembered.example');
    expect((await viaB.patch(`/Users/${id}`, flagOffUserPatch([{ path: 'title', value: 'From B' }]))).status).toBe(200);
    const used = await userStatementsOf(async () => {
      const patched = await viaA.patch(`/Users/${id}`, flagOffUserPatch([{ path: 'displayName', value: 'From A' }]));
      expect(patched.status).toBe(200);
      expect(patched.body).toMatchObject({ title: 'From B', displayName: 'From A' });
    });
    // The write from the remembered copy finds the row moved on, then the read and the write.
    expect(used).toEqual(['user_update', 'user_by_id', 'user_update']);
    const [event] = await sql<{ changes: { attribute: string; old: unknown; new: unknown }[] }>(
      a.databaseUrl,
      `select changes from provisioning_events where subject_id = $1 and type = 'USER_UPDATED' order by occurred_at desc, id desc limit 1`,
      [id],
    );
    expect(event.changes).toEqual([{ attribute: 'displayName', old: expect.anything(), new: 'From A' }]);
  });

  it('setting back what another process changed is written, not taken for "nothing to change" on the stale copy', async () => {
    const { id } = await provision('three@remembered.example');
    await viaA.patch(`/Users/${id}`, flagOffUserPatch([{ path: 'title', value: 'Original' }]));
    await viaB.patch(`/Users/${id}`, flagOffUserPatch([{ path: 'title', value: 'Changed by B' }]));
    const patched = await viaA.patch(`/Users/${id}`, flagOffUserPatch([{ path: 'title', value: 'Original' }]));
    expect(patched.body.title).toBe('Original');
    expect(await titleOf(id)).toBe('Original');
  });

  it("an If-Match of the row's version is honoured though the remembered copy is older", async () => {
    const { id } = await provision('four@remembered.example');
    const byB = await viaB.patch(`/Users/${id}`, flagOffUserPatch([{ path: 'title', value: 'B' }]));
    const patched = await viaA.patch(`/Users/${id}`, flagOffUserPatch([{ path: 'title', value: 'A' }]), { 'if-match': byB.body.meta.version });
    expect(patched.status).toBe(200);
    expect(patched.body.title).toBe('A');
    // And one of the remembered (now stale) version is refused.
    const stale = await viaA.patch(`/Users/${id}`, flagOffUserPatch([{ path: 'title', value: 'again' }]), { 'if-match': byB.body.meta.version });
    expect(stale.status).toBe(412);
  });

  it('what changes without a version (the stored photo) comes back from the write', async () => {
    const { id } = await provision('five@remembered.example');
    await sql(a.databaseUrl, `update users set photo_etag = 'etag-1', idp_object_id = 'object-1' where id = $1`, [id]);
    const patched = await viaA.patch(`/Users/${id}`, flagOffUserPatch([{ path: 'title', value: 'With photo' }]));
    expect(patched.status).toBe(200);
    expect(patched.body.photos?.[0]).toMatchObject({ value: `https://portico.test/api/remembered/users/${id}/photo`, primary: true });
  });

  it('a user another process deleted is not found, and a deactivation goes straight to the locked change', async () => {
    const { id } = await provision('six@remembered.example');
    expect((await viaB.delete(`/Users/${id}`)).status).toBe(204);
    expect((await viaA.patch(`/Users/${id}`, flagOffUserPatch([{ path: 'title', value: 'Gone' }]))).status).toBe(404);

    const other = await provision('seven@remembered.example');
    const used = await userStatementsOf(async () => expect((await viaA.patch(`/Users/${other.id}`, deactivate())).status).toBe(200));
    // No optimistic read first: the remembered copy says the change deactivates, and the locked read is the only read.
    expect(used.filter((name) => name === 'user_by_id')).toEqual([]);
    expect((await viaA.get(`/Users/${other.id}`)).body.active).toBe(false);
  });
});
