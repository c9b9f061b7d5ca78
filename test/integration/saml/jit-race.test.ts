import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signInResponseXml } from '../../fixtures/saml-idp';
import { sql } from '../../helpers/database';
import { startTestPortico, type TestPortico } from '../../helpers/portico';
import { samlTenant, sessionCount, signInEvents, viewerOf } from '../../helpers/saml';

/** Issue 11, finding 6: concurrent first sign-ins of one new JIT user. */
describe('two concurrent first sign-ins of one new JIT user', () => {
  let portico: TestPortico;

  beforeAll(async () => {
    portico = await startTestPortico();
  }, 60_000);

  afterAll(async () => {
    await portico?.stop();
  });

  it('five concurrent ACS posts for the same new NameID: one user, five sessions, every answer a redirect', async () => {
    const jit = await samlTenant(portico, 'jit-race', { idpInitiatedSignIn: true, jitSignIn: true });
    const userName = 'new.comer@jit-race.example';
    // Five different assertions, all signed and valid, built before any is posted.
    const responses = Array.from({ length: 5 }, () => signInResponseXml(jit.idp, jit.response(userName, { objectId: 'new-comer-object-id' })));
    // Every commit waits a little, so the five transactions surely overlap (as on a busy server).
    const slowCommits = portico.services.uow.onBeforeCommit(() => new Promise((resolve) => setTimeout(resolve, 1000)));
    const results = await Promise.all(responses.map((xml) => jit.postXml(xml))).finally(slowCommits);
    expect(results.map((r) => [r.status, r.error])).toEqual(Array.from({ length: 5 }, () => [303, null]));
    const users = await sql<{ id: string }>(
      portico.databaseUrl,
      `select u.id from users u join tenants t on t.id = u.tenant_id where t.slug = 'jit-race' and lower(u.user_name) = lower($1)`,
      [userName],
    );
    expect(users).toHaveLength(1);
    expect(await sessionCount(portico, 'jit-race')).toBe(5);
    for (const result of results) expect(await viewerOf(portico, result.session!)).toMatchObject({ kind: 'USER', user: { userName } });
    const events = await signInEvents(portico, 'jit-race');
    expect(events.filter((e) => e.type === 'SIGN_IN_SUCCEEDED')).toHaveLength(5);
    expect(events.filter((e) => e.type === 'SIGN_IN_FAILED')).toHaveLength(0);
  });
});
