import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deactivate, entraUser } from '../../fixtures/entra';
import { signInResponseXml } from '../../fixtures/saml-idp';
import { sql } from '../../helpers/database';
import { startTestPortico, type TestPortico } from '../../helpers/portico';
import { samlTenant, sessionCount, type SamlTenant } from '../../helpers/saml';
import { scimTenant } from '../../helpers/scim';

/**
 * Issue 14: a sign-in's checks and writes are one statement, and a refusal rolls all of it back. What that
 * statement must keep: nothing of a refused sign-in stays, an id remembered past its expiry is taken again,
 * expired ids of every tenant are swept, and the objectidentifier is kept on the user.
 */
describe('the sign-in statement', () => {
  let portico: TestPortico;
  let tenant: SamlTenant;
  const carol = 'carol@statement.example';
  const erin = 'erin.gone@statement.example';
  let carolId = '';

  beforeAll(async () => {
    portico = await startTestPortico();
    tenant = await samlTenant(portico, 'statement', { idpInitiatedSignIn: true });
    carolId = (await tenant.scim.request('POST', '/Users', { body: entraUser({ userName: carol, externalId: 'carol-external' }) })).body.id;
    const erinId = (await tenant.scim.request('POST', '/Users', { body: entraUser({ userName: erin }) })).body.id;
    expect((await tenant.scim.request('PATCH', `/Users/${erinId}`, { body: deactivate() })).status).toBe(200);
  }, 60_000);

  afterAll(async () => {
    await portico?.stop();
  });

  const accepted = async (assertionId: string) =>
    (await sql<{ n: string }>(portico.databaseUrl, 'select count(*) as n from saml_accepted_assertions where assertion_id = $1', [assertionId]))[0].n;

  it('a refused SP-initiated sign-in leaves its request pending, its assertion id unremembered and no session', async () => {
    const login = await tenant.startLogin('/');
    const assertionId = `_${crypto.randomUUID()}`;
    const sessionsBefore = await sessionCount(portico, 'statement');
    const refused = await tenant.signIn(erin, { inResponseTo: login.requestId, assertionId });
    expect(refused.error).toBe('USER_DEACTIVATED');
    expect(await sessionCount(portico, 'statement')).toBe(sessionsBefore);
    expect(await accepted(assertionId)).toBe('0');
    // The request is still there to be answered (by a response for an active user).
    const signedIn = await tenant.signIn(carol, { inResponseTo: login.requestId });
    expect([signedIn.status, signedIn.error]).toEqual([303, null]);
  });

  it('an assertion id remembered past its expiry is taken again; a live one is a replay', async () => {
    const assertionId = `_${crypto.randomUUID()}`;
    const xml = signInResponseXml(tenant.idp, tenant.response(carol, { assertionId }));
    expect((await tenant.postXml(xml)).status).toBe(303);
    expect((await tenant.postXml(xml)).error).toBe('ASSERTION_REPLAYED');
    await sql(portico.databaseUrl, `update saml_accepted_assertions set expires_at = now() - interval '1 minute' where assertion_id = $1`, [assertionId]);
    const again = await tenant.postXml(signInResponseXml(tenant.idp, tenant.response(carol, { assertionId })));
    expect([again.status, again.error]).toEqual([303, null]);
    const [row] = await sql<{ live: boolean }>(portico.databaseUrl, 'select expires_at > now() as live from saml_accepted_assertions where assertion_id = $1', [
      assertionId,
    ]);
    expect(row.live).toBe(true);
  });

  it('a sign-in sweeps expired assertion ids, of any tenant', async () => {
    await scimTenantOnly('statement-other');
    await sql(
      portico.databaseUrl,
      `insert into saml_accepted_assertions (tenant_id, assertion_id, expires_at)
       select t.id, '_expired-' || n, now() - interval '1 hour' from tenants t, generate_series(1, 3) n`,
    );
    const [before] = await sql<{ tenants: string }>(portico.databaseUrl, 'select count(distinct tenant_id) as tenants from saml_accepted_assertions where expires_at < now()');
    expect(Number(before.tenants)).toBeGreaterThan(1);
    expect((await tenant.signIn(carol)).status).toBe(303);
    const [left] = await sql<{ n: string }>(portico.databaseUrl, 'select count(*) as n from saml_accepted_assertions where expires_at < now()');
    expect(left.n).toBe('0');
  });

  it('keeps the objectidentifier claim on the user, and finds the user by it when the NameID is another', async () => {
    expect((await tenant.signIn(carol, { objectId: 'carol-object-1' })).status).toBe(303);
    const idpObjectId = async () => (await sql<{ idp_object_id: string | null }>(portico.databaseUrl, 'select idp_object_id from users where id = $1', [carolId]))[0].idp_object_id;
    expect(await idpObjectId()).toBe('carol-object-1');
    expect((await tenant.signIn(carol, { objectId: 'carol-object-2' })).status).toBe(303);
    expect(await idpObjectId()).toBe('carol-object-2');
    // No user is named carol.renamed@…: the objectidentifier claim matches Carol's externalId.
    const byObjectId = await tenant.signIn('carol.renamed@statement.example', { objectId: 'carol-external' });
    expect([byObjectId.status, byObjectId.error]).toEqual([303, null]);
    const [session] = await sql<{ user_id: string; saml_name_id: string }>(
      portico.databaseUrl,
      `select user_id, saml_name_id from sessions where saml_name_id = 'carol.renamed@statement.example'`,
    );
    expect(session.user_id).toBe(carolId);
  });

  it('writes SIGN_IN_SUCCEEDED with the session, by the user signed in, about that user', async () => {
    const assertionId = `_${crypto.randomUUID()}`;
    const signedIn = await tenant.signIn(carol, { assertionId });
    expect([signedIn.status, signedIn.error]).toEqual([303, null]);
    const [event] = await sql<{ actor_kind: string; actor_id: string; actor_label: string; subject_type: string; subject_id: string; summary: string; source: string; detail: Record<string, unknown> }>(
      portico.databaseUrl,
      `select e.actor_kind, e.actor_id, e.actor_label, e.subject_type, e.subject_id, e.summary, e.source, e.detail
         from provisioning_events e join tenants t on t.id = e.tenant_id
        where t.slug = 'statement' and e.type = 'SIGN_IN_SUCCEEDED' order by e.id desc limit 1`,
    );
    expect(event).toEqual({
      actor_kind: 'USER',
      actor_id: carolId,
      actor_label: carol,
      subject_type: 'USER',
      subject_id: carolId,
      summary: `${carol} signed in through SAML`,
      source: 'SAML',
      detail: { nameId: carol, idpInitiated: true },
    });
  });

  /** Another tenant (SCIM only), so that expired ids of more than one tenant exist. */
  async function scimTenantOnly(slug: string): Promise<void> {
    await scimTenant(portico, slug);
  }
});
