import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Scope } from '../../../src/domain/shared/scope';
import { sql } from '../../helpers/database';
import { createTenant, startTestPortico, type TestPortico } from '../../helpers/portico';

class InjectedFault extends Error {}

/** Acceptance 6: a command that fails after writing, before commit, leaves neither change nor event. */
describe('one transaction per command', () => {
  let portico: TestPortico;
  let scope: Scope;
  let seenInsideTransaction: Record<string, unknown>[];

  const countEvents = async () =>
    Number((await sql(portico.databaseUrl, 'select count(*) from provisioning_events where tenant_id = $1', [scope.tenantId]))[0].count);

  /** Runs `command` with a fault injected after its flush; returns what the transaction itself could see. */
  async function failBeforeCommit(command: () => Promise<unknown>, probe: string, params: unknown[] = []) {
    seenInsideTransaction = [];
    const remove = portico.services.uow.onBeforeCommit(async (em) => {
      seenInsideTransaction = await em.execute(probe, params);
      throw new InjectedFault('crash between write and commit');
    });
    try {
      await expect(command()).rejects.toBeInstanceOf(InjectedFault);
    } finally {
      remove();
    }
    return seenInsideTransaction;
  }

  beforeAll(async () => {
    portico = await startTestPortico();
    scope = await createTenant(portico, 'acme');
  });
  afterAll(() => portico?.stop());

  it('a team creation that fails before commit leaves no team and no event', async () => {
    const eventsBefore = await countEvents();
    const inside = await failBeforeCommit(
      () => portico.services.teams.create(scope, 'Ghost Team'),
      `select (select count(*) from teams where name = 'Ghost Team')::int as teams,
              (select count(*) from provisioning_events where summary like '%Ghost Team%')::int as events`,
    );
    // The change and its event were really written inside the transaction…
    expect(inside).toEqual([{ teams: 1, events: 1 }]);
    // …and neither survived.
    expect(await sql(portico.databaseUrl, `select * from teams where name = 'Ghost Team'`)).toEqual([]);
    expect(await countEvents()).toBe(eventsBefore);
  });

  it('a user provisioning that fails before commit leaves no user and no event', async () => {
    const eventsBefore = await countEvents();
    const inside = await failBeforeCommit(
      () => portico.services.users.provision(scope, { userName: 'ghost@acme.example', displayName: 'Ghost' }, 'SCIM'),
      `select count(*)::int as users from users where user_name = 'ghost@acme.example'`,
    );
    expect(inside).toEqual([{ users: 1 }]);
    expect(await sql(portico.databaseUrl, `select * from users where user_name = 'ghost@acme.example'`)).toEqual([]);
    expect(await countEvents()).toBe(eventsBefore);
    // The same command without the fault commits both.
    const user = await portico.services.users.provision(scope, { userName: 'ghost@acme.example' }, 'SCIM');
    const events = await sql(portico.databaseUrl, `select type from provisioning_events where subject_id = $1`, [user.id]);
    expect(events).toEqual([{ type: 'USER_CREATED' }]);
  });

  it('a membership batch that fails before commit adds no member and no event', async () => {
    const members = await Promise.all(
      ['m1', 'm2', 'm3'].map((n) => portico.services.users.provision(scope, { userName: `${n}@acme.example` }, 'SCIM')),
    );
    const group = await portico.services.groups.create(scope, { displayName: 'Staff' });
    const eventsBefore = await countEvents();
    const inside = await failBeforeCommit(
      () => portico.services.groups.addMembers(scope, group.id, members.map((m) => m.id)),
      'select count(*)::int as members from group_memberships where group_id = ?',
      [group.id],
    );
    expect(inside).toEqual([{ members: 3 }]);
    expect(await sql(portico.databaseUrl, 'select * from group_memberships where group_id = $1', [group.id])).toEqual([]);
    expect(await countEvents()).toBe(eventsBefore);
    const [row] = await sql(portico.databaseUrl, 'select version from idp_groups where id = $1', [group.id]);
    expect(row.version).toBe(1);
  });

  it('a SCIM token rotation that fails before commit keeps the old token working', async () => {
    const { token } = await portico.services.credentials.generateScimToken(scope);
    const eventsBefore = await countEvents();
    await failBeforeCommit(() => portico.services.credentials.generateScimToken(scope), 'select 1 as ok');
    expect(await portico.services.authenticator.authenticateScim(scope.tenantId, token)).not.toBeNull();
    expect(await countEvents()).toBe(eventsBefore);
  });

  it('a deactivation that fails before commit keeps the user active with their sessions', async () => {
    const user = await portico.services.users.provision(scope, { userName: 'dana@acme.example' }, 'SCIM');
    const session = await portico.services.sessions.open(scope, user.id);
    await failBeforeCommit(() => portico.services.users.update(scope, user.id, { active: false }), 'select 1 as ok');
    const [row] = await sql(portico.databaseUrl, 'select active, version from users where id = $1', [user.id]);
    expect(row).toEqual({ active: true, version: 1 });
    expect(await portico.services.authenticator.authenticate(session.token)).not.toBeNull();
  });
});
