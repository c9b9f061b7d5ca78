import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Portico } from '../../../src/app';
import { CORE_USER, ENTERPRISE_USER, entraUser, flagOffUserPatch } from '../../fixtures/entra';
import { plainText, userBody, validUser } from '../../fixtures/fuzz/scim-arbitraries';
import { sql } from '../../helpers/database';
import { startSecondPortico, startTestPortico, type TestPortico } from '../../helpers/portico';
import { scimClient, scimTenant, type ScimClient } from '../../helpers/scim';

// Shorter than the other extension's URN: PostgreSQL's jsonb keeps object keys shortest first, not as sent.
const OTHER_EXTENSION = 'urn:ex:o:2.0:User';

/** Users every rule accepts, with the attributes of every kind: multi-valued, complex, a reference, kept extensions. */
const richUser = fc
  .record({
    user: validUser,
    phoneNumbers: fc.array(fc.record({ value: plainText(1, 20), type: fc.constantFrom('work', 'mobile') }), { maxLength: 2 }),
    addresses: fc.array(fc.record({ locality: plainText(1, 20), country: fc.constantFrom('DE', 'US'), type: fc.constant('work') }, { requiredKeys: ['type'] }), { maxLength: 1 }),
    photos: fc.array(fc.record({ value: plainText(1, 30).map((s) => `https://photos.example/${encodeURIComponent(s)}`), type: fc.constant('photo') }), { maxLength: 1 }),
    manager: fc.option(fc.uuid(), { nil: undefined }),
    other: fc.option(fc.dictionary(plainText(1, 8).filter((k) => /^[A-Za-z]\w*$/.test(k)), fc.oneof(plainText(0, 10), fc.integer()), { maxKeys: 2 }), { nil: undefined }),
  })
  .map(({ user, phoneNumbers, addresses, photos, manager, other }) => ({
    schemas: [CORE_USER, ENTERPRISE_USER, 'urn:example:ext:1.0:User', ...(other ? [OTHER_EXTENSION] : [])],
    ...user,
    phoneNumbers,
    addresses,
    photos,
    [ENTERPRISE_USER]: { ...user[ENTERPRISE_USER], ...(manager && { manager: { value: manager } }) },
    ...(other && { [OTHER_EXTENSION]: other }),
  }));

/**
 * A page of users without a filter is assembled from the documents the process rendered when it last wrote or
 * listed each user (src/scim/rendered-users.ts). What it sends must be what rendering the stored user says, for
 * any user a client can provision, and never a document of an earlier version or photo.
 */
describe('pages assembled from remembered documents', () => {
  const secretKey = randomBytes(32).toString('hex');
  let a: TestPortico;
  let b: Portico;
  let scim: ScimClient;
  let other: ScimClient;

  /** Every live user of the tenant in pages of 100, as `client`'s process sends them. */
  const allPages = async (client: ScimClient) => {
    const listed: Record<string, unknown>[] = [];
    for (let startIndex = 1; ; startIndex += 100) {
      const page = await client.get('/Users', { startIndex: String(startIndex), count: '100' });
      expect(page.status).toBe(200);
      listed.push(...page.body.Resources);
      if (startIndex + 100 > page.body.totalResults) return { total: page.body.totalResults as number, listed };
    }
  };

  beforeAll(async () => {
    a = await startTestPortico({ PORTICO_SECRET_KEY: secretKey });
    b = await startSecondPortico(a, secretKey);
    scim = await scimTenant(a, 'remembered');
    other = scimClient({ ...a, url: b.url } as TestPortico, 'remembered', scim.token, scim.scope);
  });
  afterAll(async () => {
    await b?.close();
    await a?.stop();
  });

  it('sends, for any user provisioned or changed, what rendering the stored user sends', async () => {
    const statuses: number[] = [];
    await fc.assert(
      fc.asyncProperty(fc.oneof({ weight: 3, arbitrary: richUser }, { weight: 1, arbitrary: userBody }), fc.boolean(), async (body, change) => {
        const posted = await scim.post('/Users', body);
        statuses.push(posted.status);
        if (posted.status !== 201) return;
        let written = posted.body;
        if (change) {
          const patched = await scim.patch(`/Users/${posted.body.id}`, flagOffUserPatch([{ path: 'title', value: 'Changed' }]));
          expect(patched.status).toBe(200);
          written = patched.body;
        }
        // A read by id renders the stored user anew.
        expect((await scim.get(`/Users/${posted.body.id}`)).body).toEqual(written);
      }),
      { numRuns: 60 },
    );
    // This process lists what it remembers; the other renders every stored user anew: the same pages.
    const remembered = await allPages(scim);
    const renderedAnew = await allPages(other);
    expect(statuses.filter((status) => status === 201).length).toBeGreaterThan(30);
    expect(remembered.total).toBe(statuses.filter((status) => status === 201).length);
    expect(remembered).toEqual(renderedAnew);
  });

  it('never sends the document of an earlier version or photo', async () => {
    const id = (await scim.post('/Users', entraUser({ userName: 'changing@remembered.example' }))).body.id as string;
    const listedNow = async () => (await allPages(scim)).listed.find((user) => user.id === id) as Record<string, unknown>;
    expect(await listedNow()).toMatchObject({ meta: { version: 'W/"1"' } });
    // Changed by the other process: this one remembers the version before.
    expect((await other.patch(`/Users/${id}`, flagOffUserPatch([{ path: 'title', value: 'Elsewhere' }]))).status).toBe(200);
    expect(await listedNow()).toMatchObject({ title: 'Elsewhere', meta: { version: 'W/"2"' } });
    // A photo arrives (from Graph, say): not a new version, yet a new document.
    await sql(a.databaseUrl, `update users set photo_etag = 'p1' where id = $1`, [id]);
    expect(await listedNow()).toMatchObject({ photos: [{ value: expect.stringMatching(new RegExp(`/users/${id}/photo$`)), primary: true }] });
    expect(await listedNow()).toEqual((await scim.get(`/Users/${id}`)).body);
  });
});
