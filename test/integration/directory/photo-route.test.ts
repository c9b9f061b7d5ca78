import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { entraUser } from '../../fixtures/entra';
import { htmlPayload, sizedJpeg, svgPayload, tinyGif, tinyJpeg, tinyPng, tinyWebp } from '../../fixtures/images';
import { PUBLIC_URL, directoryApi, getPhoto, putPhoto, type Auth, type DirectoryApi } from '../../helpers/directory';
import { startTestPortico, type TestPortico } from '../../helpers/portico';
import { scimTenant, type ScimClient } from '../../helpers/scim';

/**
 * Issue 12, acceptance 3: `GET`/`PUT /api/{tenant}/users/{id}/photo`: who may read and write, ETag/304, the
 * upload's checks (type by content, size), and where the photo's URL shows (GraphQL photoUrl, SCIM photos).
 */
describe('the photo route', () => {
  let portico: TestPortico;
  let pics: ScimClient;
  let other: ScimClient;
  let api: DirectoryApi;
  const ids = { alice: '', bob: '', otherUser: '' };
  const auth = {} as Record<'operator' | 'admin' | 'viewer' | 'alice' | 'bob' | 'otherAdmin' | 'otherUser', string>;
  const url = (id: string) => `${PUBLIC_URL}/api/pics/users/${id}/photo`;

  beforeAll(async () => {
    portico = await startTestPortico();
    pics = await scimTenant(portico, 'pics');
    other = await scimTenant(portico, 'other');
    ids.alice = (await pics.post('/Users', entraUser({ userName: 'alice@pics.example' }))).body.id;
    ids.bob = (await pics.post('/Users', entraUser({ userName: 'bob@pics.example' }))).body.id;
    ids.otherUser = (await other.post('/Users', entraUser({ userName: 'olga@other.example' }))).body.id;
    auth.operator = portico.operatorToken;
    auth.admin = (await portico.services.credentials.createApiKey(pics.scope, { name: 'admin', level: 'ADMINISTRATOR' })).token;
    auth.viewer = (await portico.services.credentials.createApiKey(pics.scope, { name: 'viewer', level: 'VIEWER' })).token;
    auth.alice = (await portico.services.sessions.open(pics.scope, ids.alice)).token;
    auth.bob = (await portico.services.sessions.open(pics.scope, ids.bob)).token;
    auth.otherAdmin = (await portico.services.credentials.createApiKey(other.scope, { name: 'admin', level: 'ADMINISTRATOR' })).token;
    auth.otherUser = (await portico.services.sessions.open(other.scope, ids.otherUser)).token;
    api = directoryApi(portico.url, 'pics', { token: portico.operatorToken });
  });
  afterAll(() => portico?.stop());

  const get = (id: string, as: Auth & { ifNoneMatch?: string }, slug = 'pics') => getPhoto(portico.url, slug, id, as);
  const put = (id: string, bytes: Buffer, as: Auth & { contentType?: string }, slug = 'pics') => putPhoto(portico.url, slug, id, bytes, as);

  it('a user without a photo: 404, photoUrl null, no photo in SCIM', async () => {
    expect((await get(ids.alice, { token: auth.admin })).status).toBe(404);
    expect(await api.photoUrl(ids.alice)).toBeNull();
    const scim = await pics.get(`/Users/${ids.alice}`);
    expect((scim.body.photos ?? []).filter((p: { value: string }) => p.value === url(ids.alice))).toEqual([]);
  });

  it('a person uploads their own photo (any Content-Type label): 204 with its ETag; served as what the bytes are', async () => {
    // PNG bytes labelled as JPEG: Portico goes by the bytes.
    const uploaded = await put(ids.alice, tinyPng(), { cookie: `portico_session=${auth.alice}`, contentType: 'image/jpeg' });
    expect(uploaded.status).toBe(204);
    const etag = uploaded.headers.get('etag');
    expect(etag).toBeTruthy();

    const served = await get(ids.alice, { token: auth.admin });
    expect(served.status).toBe(200);
    expect(served.bytes.equals(tinyPng())).toBe(true);
    expect(served.headers.get('content-type')?.split(';')[0]).toBe('image/png');
    expect(served.headers.get('etag')).toBe(etag);
    expect(served.headers.get('x-content-type-options')).toBe('nosniff');
    const cacheControl = served.headers.get('cache-control') ?? '';
    expect(cacheControl).not.toBe('');
    // Only for callers with a credential: no shared cache may keep it.
    expect(cacheControl).not.toMatch(/public/i);
    expect(cacheControl).toMatch(/private|no-store/i);

    const events = await api.events(['USER_PHOTO_CHANGED']);
    expect(events.map((e) => e.subjectId)).toEqual([ids.alice]);
    expect(events[0].subjectType).toBe('USER');
  });

  it('any credential of the tenant reads it: operator, API keys, a session bearer, the session cookie', async () => {
    const credentials: [string, Auth][] = [
      ['operator', { token: auth.operator }],
      ['ADMINISTRATOR key', { token: auth.admin }],
      ['VIEWER key', { token: auth.viewer }],
      ["another user's session (bearer)", { token: auth.bob }],
      ['own session cookie', { cookie: `portico_session=${auth.alice}` }],
    ];
    for (const [name, as] of credentials) {
      const answer = await get(ids.alice, as);
      expect(answer.status, name).toBe(200);
      expect(answer.bytes.equals(tinyPng()), name).toBe(true);
    }
  });

  it('If-None-Match with the ETag: 304 without the bytes; another ETag: 200', async () => {
    const { headers } = await get(ids.alice, { token: auth.viewer });
    const etag = headers.get('etag')!;
    const notModified = await get(ids.alice, { token: auth.viewer, ifNoneMatch: etag });
    expect(notModified.status).toBe(304);
    expect(notModified.bytes.length).toBe(0);
    expect(notModified.headers.get('etag')).toBe(etag);
    expect((await get(ids.alice, { token: auth.viewer, ifNoneMatch: '"something-else"' })).status).toBe(200);
  });

  it('tenant isolation: another tenant\'s credentials never get the bytes; no credential is 401', async () => {
    for (const [name, token] of [
      ['other tenant admin key', auth.otherAdmin],
      ['other tenant session', auth.otherUser],
    ]) {
      const direct = await get(ids.alice, { token }, 'pics');
      expect([403, 404], name).toContain(direct.status);
      expect(direct.bytes.includes(tinyPng()), name).toBe(false);
      // Naming their own tenant in the URL finds no such user either.
      const viaOwn = await get(ids.alice, { token }, 'other');
      expect(viaOwn.status, name).toBe(404);
      expect(viaOwn.bytes.includes(tinyPng()), name).toBe(false);
    }
    for (const as of [{}, { token: 'pta_not-a-real-token-at-all-000000000000' }, { cookie: 'portico_session=pts_forged' }]) {
      const answer = await get(ids.alice, as);
      expect(answer.status, JSON.stringify(as)).toBe(401);
      expect(answer.bytes.includes(tinyPng())).toBe(false);
    }
    // Nor may they write it.
    expect([403, 404]).toContain((await put(ids.alice, tinyGif(), { token: auth.otherAdmin })).status);
    expect((await put(ids.alice, tinyGif(), {})).status).toBe(401);
    expect((await get(ids.alice, { token: auth.admin })).bytes.equals(tinyPng())).toBe(true);
  });

  it('unknown or malformed user ids are 404, never an error', async () => {
    for (const id of ['00000000-0000-4000-8000-000000000000', 'not-a-uuid', "1'%20or%20'1'='1"]) {
      expect((await get(id, { token: auth.admin })).status, id).toBe(404);
    }
  });

  it('who may write: the person themself or an ADMINISTRATOR; not another user, not a VIEWER key', async () => {
    expect((await put(ids.alice, tinyGif(), { token: auth.bob, contentType: 'image/gif' })).status).toBe(403);
    expect((await put(ids.alice, tinyGif(), { token: auth.viewer, contentType: 'image/gif' })).status).toBe(403);
    expect((await get(ids.alice, { token: auth.admin })).bytes.equals(tinyPng())).toBe(true);

    const byAdmin = await put(ids.bob, tinyGif(), { token: auth.admin, contentType: 'image/gif' });
    expect(byAdmin.status).toBe(204);
    const byOperator = await put(ids.bob, tinyWebp(), { token: auth.operator, contentType: 'application/octet-stream' });
    expect(byOperator.status).toBe(204);
    expect(byOperator.headers.get('etag')).not.toBe(byAdmin.headers.get('etag'));
    const served = await get(ids.bob, { token: auth.bob });
    expect(served.headers.get('content-type')?.split(';')[0]).toBe('image/webp');
    expect(served.headers.get('etag')).toBe(byOperator.headers.get('etag'));
    expect(served.bytes.equals(tinyWebp())).toBe(true);
  });

  it('upload checks: over 5 MB is 413; bytes that are not PNG/JPEG/GIF/WebP are 415 whatever their label', async () => {
    const before = await get(ids.alice, { token: auth.admin });
    const tooLarge = await put(ids.alice, sizedJpeg(5 * 1024 * 1024 + 1), { token: auth.admin });
    expect(tooLarge.status).toBe(413);
    const refused: [string, Buffer, string][] = [
      ['SVG labelled image/png', svgPayload(), 'image/png'],
      ['SVG labelled image/svg+xml', svgPayload(), 'image/svg+xml'],
      ['HTML labelled image/png', htmlPayload(), 'image/png'],
      ['HTML labelled image/jpeg', htmlPayload(), 'image/jpeg'],
      ['text', Buffer.from('just some text'), 'image/gif'],
      ['empty', Buffer.alloc(0), 'image/png'],
    ];
    for (const [name, bytes, contentType] of refused) {
      expect((await put(ids.alice, bytes, { cookie: `portico_session=${auth.alice}`, contentType })).status, name).toBe(415);
    }
    // Nothing of it was stored: the photo and its ETag are as before.
    const after = await get(ids.alice, { token: auth.admin });
    expect(after.bytes.equals(before.bytes)).toBe(true);
    expect(after.headers.get('etag')).toBe(before.headers.get('etag'));

    // Up to the limit is fine: 4 MB, and every accepted type.
    const large = sizedJpeg(4 * 1000 * 1000);
    expect((await put(ids.alice, large, { token: auth.admin })).status).toBe(204);
    expect((await get(ids.alice, { token: auth.admin })).bytes.equals(large)).toBe(true);
    for (const [bytes, type] of [
      [tinyJpeg(), 'image/jpeg'],
      [tinyGif(), 'image/gif'],
      [tinyWebp(), 'image/webp'],
      [tinyPng(), 'image/png'],
    ] as const) {
      expect((await put(ids.alice, bytes, { token: auth.alice, contentType: 'image/png' })).status, type).toBe(204);
      expect((await get(ids.alice, { token: auth.viewer })).headers.get('content-type')?.split(';')[0], type).toBe(type);
    }
  });

  it('User.photoUrl and SCIM photos name the route once a photo is stored', async () => {
    expect(await api.photoUrl(ids.alice)).toBe(url(ids.alice));
    const scimUser = await pics.get(`/Users/${ids.alice}`);
    expect(scimUser.status).toBe(200);
    expect(scimUser.body.photos).toEqual(expect.arrayContaining([expect.objectContaining({ value: url(ids.alice), type: 'photo', primary: true })]));
    const listed = await pics.get('/Users', { filter: 'userName eq "alice@pics.example"' });
    expect(listed.body.Resources[0].photos).toEqual(expect.arrayContaining([expect.objectContaining({ value: url(ids.alice), type: 'photo' })]));
    // The photo is served where that URL points (PUBLIC_URL is this server).
    const path = new URL(url(ids.alice)).pathname;
    expect((await fetch(`${portico.url}${path}`, { headers: { authorization: `Bearer ${auth.viewer}` } })).status).toBe(200);
    // Users without a photo still have none.
    const scimOther = await other.get(`/Users/${ids.otherUser}`);
    expect(JSON.stringify(scimOther.body.photos ?? [])).not.toContain('/photo');
  });
});
