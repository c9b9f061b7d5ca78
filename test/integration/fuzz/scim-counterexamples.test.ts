import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { entraUser, PATCH_OP } from '../../fixtures/entra';
import { sql } from '../../helpers/database';
import { startTestPortico, type TestPortico } from '../../helpers/portico';
import { scimTenant, type ScimClient } from '../../helpers/scim';

/** Counterexamples the SCIM fuzzing found (issue 11), each kept as a plain test. */
describe('SCIM fuzz counterexamples', () => {
  let portico: TestPortico;
  let scim: ScimClient;
  let userId = '';

  beforeAll(async () => {
    portico = await startTestPortico();
    scim = await scimTenant(portico, 'fuzzed');
    userId = (await scim.post('/Users', entraUser({ userName: 'target@fuzz.example' }))).body.id;
  });

  afterAll(async () => {
    await portico?.stop();
  });

  const rejections = async () =>
    sql<{ error: string; detail: { body?: unknown } }>(portico.databaseUrl, `select error, detail from provisioning_events where type = 'SCIM_REQUEST_REJECTED' order by id`);

  it('a rejected request whose body holds a lone UTF-16 surrogate is still recorded as SCIM_REQUEST_REJECTED', async () => {
    const before = (await rejections()).length;
    // JSON text may escape a lone surrogate; PostgreSQL's jsonb refuses "\udebe" unless it is replaced.
    const rawBody = `{"schemas":["${PATCH_OP}"],"Operations":[{"op":"Add","path":"groups lt \\"x\\udebe\\""}]}`;
    const answer = await scim.request('PATCH', `/Users/${userId}`, { rawBody });
    expect(answer.status).toBe(400);
    const after = await rejections();
    expect(after).toHaveLength(before + 1);
    expect(JSON.stringify(after.at(-1)!.detail.body)).toContain('x\uFFFD');
  });

  it('a user whose attributes hold lone surrogates is refused with 400 invalidValue, not a 500 from the event insert', async () => {
    const answer = await scim.request('POST', '/Users', {
      rawBody: JSON.stringify({ userName: 'lone.surrogate@fuzz.example', displayName: 'a\udebeb', title: '\ud800' }),
    });
    expect(answer.status).toBe(400);
    expect(answer.body.scimType).toBe('invalidValue');
    expect(answer.body.detail).toContain('lone UTF-16 surrogate');
  });
});
