import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CORE_USER, entraUser, PATCH_OP } from '../../fixtures/entra';
import { sql } from '../../helpers/database';
import { startTestPortico, type TestPortico } from '../../helpers/portico';
import { scimTenant, type ScimClient } from '../../helpers/scim';

/** Issue 11, finding 2: a password Entra (or anyone) sends never reaches the provisioning log, the user row or a response. */

const MARK = 'Pw-Leak-';
const BAD_OP = { op: 'Frobnicate', path: 'displayName', value: 'x' };

describe('SCIM: secrets in refused requests', () => {
  let portico: TestPortico;
  let scim: ScimClient;
  let userId: string;

  beforeAll(async () => {
    portico = await startTestPortico();
    scim = await scimTenant(portico, 'redact');
    const created = await scim.post('/Users', { ...entraUser({ userName: 'ann@redact.test' }), password: `${MARK}create` });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    userId = created.body.id;
  });
  afterAll(() => portico?.stop());

  /** Every stored rejection, as the admin reads it over GraphQL and as the table holds it. */
  async function rejections(): Promise<{ graphql: string; rows: string }> {
    const response = await portico.rawGql({
      query: `{ provisioningEvents(tenant: "redact", first: 100, filter: { types: [SCIM_REQUEST_REJECTED] }) {
        edges { node { summary error detail changes { attribute old new } } } } }`,
    });
    expect(response.errors).toBeUndefined();
    const rows = await sql(portico.databaseUrl, `select summary, error, detail, changes from provisioning_events where type = 'SCIM_REQUEST_REJECTED'`);
    return { graphql: JSON.stringify(response.data), rows: JSON.stringify(rows) };
  }

  async function expectRefusedWithoutTrace(secret: string, send: () => Promise<{ status: number; body: unknown }>, status: number) {
    const before = (await sql(portico.databaseUrl, `select count(*)::int as n from provisioning_events where type = 'SCIM_REQUEST_REJECTED'`))[0].n;
    const response = await send();
    expect(response.status, JSON.stringify(response.body)).toBe(status);
    const after = (await sql(portico.databaseUrl, `select count(*)::int as n from provisioning_events where type = 'SCIM_REQUEST_REJECTED'`))[0].n;
    expect(after).toBe(Number(before) + 1);
    const { graphql, rows } = await rejections();
    expect(graphql).toContain('[redacted]');
    expect(graphql).not.toContain(secret);
    expect(rows).not.toContain(secret);
  }

  it('PATCH with path "password" (any case, with or without the core URN), refused for another operation', async () => {
    for (const [n, path] of ['password', 'Password', `${CORE_USER}:password`, `${CORE_USER}:PASSWORD`].entries()) {
      const secret = `${MARK}path-${n}`;
      await expectRefusedWithoutTrace(
        secret,
        () => scim.patch(`/Users/${userId}`, { schemas: [PATCH_OP], Operations: [{ op: 'Replace', path, value: secret }, BAD_OP] }),
        400,
      );
    }
  });

  it('a password past what the log keeps of a long refused PATCH, or behind a path too long to keep, leaves no trace', async () => {
    const filler = Array.from({ length: 98 }, (_, i) => ({ op: 'replace', path: 'title', value: `filler ${i}` }));
    const late = `${MARK}late`;
    await expectRefusedWithoutTrace(
      late,
      // value before path, at the end of ~400 kept values: the copy must keep the path beside it, or neither.
      () => scim.patch(`/Users/${userId}`, { schemas: [PATCH_OP], Operations: [...filler, { value: late, op: 'replace', path: 'password' }, BAD_OP] }),
      400,
    );
    const hidden = `${MARK}long-path`;
    await expectRefusedWithoutTrace(
      hidden,
      () => scim.patch(`/Users/${userId}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: `${'x'.repeat(1100)}password`, value: hidden }, BAD_OP] }),
      400,
    );
    const key = `${MARK}long-key`;
    await expectRefusedWithoutTrace(
      key,
      () => scim.patch(`/Users/${userId}`, { schemas: [PATCH_OP], Operations: [{ op: 'add', value: { [`${'y'.repeat(1100)}password`]: key } }, BAD_OP] }),
      400,
    );
  });

  it('PATCH without a path whose value object has a password key', async () => {
    const secret = `${MARK}nopath`;
    await expectRefusedWithoutTrace(
      secret,
      () =>
        scim.patch(`/Users/${userId}`, {
          schemas: [PATCH_OP],
          Operations: [{ op: 'Replace', value: { password: secret, [`${CORE_USER}:password`]: secret } }, BAD_OP],
        }),
      400,
    );
  });

  it('a filter in the query string, or in a .search body, that compares a password', async () => {
    const quoted = `${MARK}filter-q`;
    await expectRefusedWithoutTrace(quoted, () => scim.get('/Users', { filter: `password eq "${quoted}"` }), 400);
    const bare = `${MARK}filter-bare`;
    await expectRefusedWithoutTrace(bare, () => scim.get('/Users', { filter: `userName eq "a" and password ${bare}` }), 400);
    const searched = `${MARK}filter-search`;
    await expectRefusedWithoutTrace(
      searched,
      () => scim.post('/Users/.search', { schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'], filter: `password eq "${searched}"` }),
      400,
    );
  });

  it('a POST body password refused with 409, and a PUT body password refused with 400', async () => {
    const posted = `${MARK}post`;
    await expectRefusedWithoutTrace(posted, () => scim.post('/Users', { ...entraUser({ userName: 'ANN@redact.test' }), password: posted }), 409);
    const put = `${MARK}put`;
    await expectRefusedWithoutTrace(
      put,
      () => scim.put(`/Users/${userId}`, { ...entraUser({ userName: 'ann@redact.test' }), active: 'maybe', [CORE_USER]: { password: put } }),
      400,
    );
  });

  it('a password is never stored nor echoed back (RFC 7643: returned "never")', async () => {
    const patched = await scim.patch(`/Users/${userId}`, { schemas: [PATCH_OP], Operations: [{ op: 'Replace', path: 'password', value: `${MARK}accepted` }] });
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);
    const replaced = await scim.put(`/Users/${userId}`, { ...entraUser({ userName: 'ann@redact.test' }), password: `${MARK}put-ok` });
    expect(replaced.status, JSON.stringify(replaced.body)).toBe(200);
    const read = await scim.get(`/Users/${userId}`, { attributes: 'password,userName' });
    for (const body of [patched.body, replaced.body, read.body]) {
      expect(JSON.stringify(body)).not.toContain(MARK);
      expect(Object.keys(body).map((k) => k.toLowerCase())).not.toContain('password');
    }
    const users = await sql(portico.databaseUrl, 'select * from users');
    expect(JSON.stringify(users)).not.toContain(MARK);
    const events = await sql(portico.databaseUrl, 'select * from provisioning_events');
    expect(JSON.stringify(events)).not.toContain(MARK);
  });
});
