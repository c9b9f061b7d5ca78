import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Scope } from '../../../src/domain/shared/scope';
import { sql } from '../../helpers/database';
import { createTenant, startTestPortico, type TestPortico } from '../../helpers/portico';

/** A batch of members added in one statement (Entra's PATCH of up to 100 members to a group without a mapping). */
describe('member batches in one statement', () => {
  let portico: TestPortico;
  let scope: Scope;

  const user = async (name: string) => (await portico.services.users.provision(scope, { userName: `${name}@batches.example` }, 'SCIM')).id;
  const membersOf = async (groupId: string) => (await sql(portico.databaseUrl, 'select user_id from group_memberships where group_id = $1', [groupId])).length;

  beforeAll(async () => {
    portico = await startTestPortico();
    scope = await createTenant(portico, 'batches');
  });
  afterAll(() => portico?.stop());

  it('names exactly the users it did not find, and adds nobody', async () => {
    const groupId = (await portico.services.groups.create(scope, { displayName: 'Batch' })).id;
    const known = [await user('one'), await user('two')];
    const [missing, alsoMissing] = [randomUUID(), randomUUID()];
    await expect(portico.services.groups.addMembers(scope, groupId, [known[0], missing, known[1], alsoMissing])).rejects.toMatchObject({
      code: 'BAD_USER_INPUT',
      details: { field: 'members', unknown: [missing, alsoMissing] },
    });
    await expect(portico.services.groups.addMembers(scope, groupId, [missing])).rejects.toMatchObject({ details: { unknown: [missing] } });
    expect(await membersOf(groupId)).toBe(0);
    expect(await portico.services.groups.addMembers(scope, groupId, known)).toBe(2);
    expect(await membersOf(groupId)).toBe(2);
  });
});
