import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { GRAPH_SCOPE, startFakeMicrosoft, type FakeMicrosoft } from '../fixtures/fake-microsoft';
import { htmlPayload, labelledJpeg, sizedJpeg, sniffImageType, svgPayload, tinyGif, tinyJpeg, tinyPng, tinyWebp } from '../fixtures/images';

/** The fake login + Graph server the directory-provider tests run Portico against: it must answer as Microsoft does. */
describe('fake Microsoft login and Graph', () => {
  let fake: FakeMicrosoft;
  beforeAll(async () => {
    fake = await startFakeMicrosoft({ domains: ['contoso.onmicrosoft.com'] });
  });
  afterAll(() => fake?.close());
  beforeEach(() => fake.reset());

  const tokenRequest = (fields: Record<string, string>, directory = fake.app.directoryTenantId, headers: Record<string, string> = {}) =>
    fetch(`${fake.loginUrl}/${directory}/oauth2/v2.0/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: new URLSearchParams(fields),
    });
  const rightFields = () => ({ client_id: fake.app.clientId, client_secret: fake.app.clientSecret, scope: GRAPH_SCOPE, grant_type: 'client_credentials' });
  const accessToken = async () => ((await (await tokenRequest(rightFields())).json()) as { access_token: string }).access_token;
  const graph = async (path: string, token?: string | null) => {
    const bearer = token === undefined ? await accessToken() : token;
    return fetch(`${fake.graphUrl}${path}`, { headers: bearer ? { authorization: `Bearer ${bearer}` } : {} });
  };
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const json = async (response: Response): Promise<any> => response.json();

  describe('login', () => {
    it('issues a client-credentials token shaped as Microsoft does, to the tenant id or a domain name', async () => {
      for (const directory of [fake.app.directoryTenantId, 'Contoso.onmicrosoft.com']) {
        const response = await tokenRequest(rightFields(), directory);
        expect(response.status).toBe(200);
        const body = await json(response);
        expect(body).toEqual({ token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599, access_token: expect.any(String) });
        expect(fake.tokensIssued).toContain(body.access_token);
      }
      // client_secret_basic works too.
      const basic = Buffer.from(`${encodeURIComponent(fake.app.clientId)}:${encodeURIComponent(fake.app.clientSecret)}`).toString('base64');
      const viaHeader = await tokenRequest({ scope: GRAPH_SCOPE, grant_type: 'client_credentials' }, undefined, { authorization: `Basic ${basic}` });
      expect(viaHeader.status).toBe(200);
      expect(fake.secretsReceived).toEqual(new Set([fake.app.clientSecret]));
      expect(fake.counts()).toMatchObject({ tokenRequests: 3, tokensIssued: 3 });
    });

    it('answers each credential mistake with its AADSTS error, status and body shape', async () => {
      const cases = [
        { fields: { client_secret: 'b2f9e1c4-5a8d-4f6e-9c3b-7d2a1e0f4b6c' }, status: 401, error: 'invalid_client', code: 7000215, text: /client secret value, not the client secret ID/ },
        { fields: { client_id: '00000000-1111-2222-3333-444444444444' }, status: 400, error: 'unauthorized_client', code: 700016, text: /Application with identifier '00000000-1111-2222-3333-444444444444' was not found in the directory/ },
        { fields: {}, directory: '99999999-aaaa-bbbb-cccc-dddddddddddd', status: 400, error: 'invalid_request', code: 90002, text: /Tenant '99999999-aaaa-bbbb-cccc-dddddddddddd' not found/ },
        { fields: { scope: 'User.Read' }, status: 400, error: 'invalid_scope', code: 1002012, text: /\/\.default/ },
      ];
      for (const c of cases) {
        const response = await tokenRequest({ ...rightFields(), ...c.fields }, c.directory);
        expect(response.status, String(c.code)).toBe(c.status);
        const body = await json(response);
        expect(body).toEqual({
          error: c.error,
          error_description: expect.stringMatching(new RegExp(`^AADSTS${c.code}: .*\\r\\nTrace ID: [0-9a-f-]{36}\\r\\nCorrelation ID: [0-9a-f-]{36}\\r\\nTimestamp: \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\dZ$`, 's')),
          error_codes: [c.code],
          timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$/),
          trace_id: expect.any(String),
          correlation_id: expect.any(String),
          error_uri: `https://login.microsoftonline.com/error?code=${c.code}`,
        });
        expect(body.error_description).toMatch(c.text);
      }
      expect(fake.counts()).toMatchObject({ tokenRequests: 4, tokensIssued: 0 });
    });

    it('an expired secret is refused with AADSTS7000222 only when it is the right one', async () => {
      fake.expireSecret();
      const expired = await tokenRequest(rightFields());
      expect(expired.status).toBe(401);
      const body = await json(expired);
      expect(body).toMatchObject({ error: 'invalid_client', error_codes: [7000222] });
      expect(body.error_description).toMatch(/^AADSTS7000222: The provided client secret keys for app '.+' are expired\./);
      const wrong = await json(await tokenRequest({ ...rightFields(), client_secret: 'not-it' }));
      expect(wrong.error_codes).toEqual([7000215]);
      fake.expireSecret(false);
      expect((await tokenRequest(rightFields())).status).toBe(200);
    });
  });

  describe('Graph', () => {
    it('wants a bearer token it issued that has not expired', async () => {
      const none = await graph('/v1.0/users?$top=1&$select=id', null);
      expect(none.status).toBe(401);
      expect((await json(none)).error.code).toBe('InvalidAuthenticationToken');
      expect((await graph('/v1.0/users?$top=1&$select=id', 'made-up')).status).toBe(401);
      fake.settings.tokenExpiresIn = 0;
      const expired = await graph('/v1.0/users?$top=1&$select=id');
      expect(expired.status).toBe(401);
      expect((await json(expired)).error.message).toMatch(/expired/);
      expect(fake.counts().failedAuth).toBe(3);
    });

    it('lists users and serves photo metadata and bytes by object id or (encoded) userPrincipalName', async () => {
      const alice = fake.addUser({ userPrincipalName: 'alice@contoso.example', photo: tinyPng() });
      const token = await accessToken();
      const list = await graph('/v1.0/users?$top=1&$select=id', token);
      expect(await json(list)).toMatchObject({ value: [{ id: alice.id }] });

      for (const ref of [alice.id, encodeURIComponent('alice@contoso.example'), 'ALICE@contoso.example']) {
        const metadata = await graph(`/v1.0/users/${ref}/photo`, token);
        expect(metadata.status).toBe(200);
        expect(await json(metadata)).toEqual({
          '@odata.context': expect.stringContaining('/photo/$entity'),
          '@odata.mediaContentType': 'image/png',
          '@odata.mediaEtag': alice.photo!.etag,
          id: '240X240',
          height: 240,
          width: 240,
        });
        for (const value of ['$value', '%24value']) {
          const bytes = await graph(`/v1.0/users/${ref}/photo/${value}`, token);
          expect(bytes.status).toBe(200);
          expect(bytes.headers.get('content-type')).toBe('image/png');
          expect(bytes.headers.get('etag')).toBe(alice.photo!.etag);
          expect(Buffer.from(await bytes.arrayBuffer()).equals(tinyPng())).toBe(true);
        }
      }
      expect(alice.photo!.etag).toMatch(/^"[0-9A-F]{8}"$/);
      expect(alice).toMatchObject({ metadataRequests: 3, valueRequests: 6 });
      expect(fake.requestsFor('alice@contoso.example', 'value')).toHaveLength(6);
      expect(fake.counts()).toMatchObject({ usersRequests: 1, metadataRequests: 3, valueRequests: 6 });
    });

    it('a new photo has a new etag; no photo and unknown users are the two different 404s', async () => {
      const bob = fake.addUser({ userPrincipalName: 'bob@contoso.example', photo: labelledJpeg('bob v1') });
      const first = bob.photo!.etag;
      const second = fake.setPhoto(bob.id, labelledJpeg('bob v2'));
      expect(second).not.toBe(first);
      const token = await accessToken();
      expect((await json(await graph(`/v1.0/users/${bob.id}/photo`, token)))['@odata.mediaEtag']).toBe(second);

      fake.removePhoto(bob.id);
      for (const path of [`/v1.0/users/${bob.id}/photo`, `/v1.0/users/${bob.id}/photo/$value`]) {
        const none = await graph(path, token);
        expect(none.status).toBe(404);
        expect(await json(none)).toMatchObject({
          error: { code: 'ImageNotFound', message: "Exception of type 'Microsoft.Fast.Profile.Core.Exception.ImageNotFoundException' was thrown." },
        });
      }
      const unknown = await graph('/v1.0/users/nobody@contoso.example/photo', token);
      expect(unknown.status).toBe(404);
      expect((await json(unknown)).error).toMatchObject({
        code: 'Request_ResourceNotFound',
        message: "Resource 'nobody@contoso.example' does not exist or one of its queried reference-property objects are not present.",
      });
    });

    it('without the permission: 403 Authorization_RequestDenied; ProfilePhoto.Read.All reads photos but cannot list users', async () => {
      const carol = fake.addUser({ userPrincipalName: 'carol@contoso.example', photo: tinyJpeg() });
      const token = await accessToken();
      fake.setPermissions([]);
      for (const path of ['/v1.0/users?$top=1&$select=id', `/v1.0/users/${carol.id}/photo`, '/v1.0/users/nobody@contoso.example/photo']) {
        const response = await graph(path, token);
        expect(response.status).toBe(403);
        expect(await json(response)).toMatchObject({ error: { code: 'Authorization_RequestDenied', message: 'Insufficient privileges to complete the operation.' } });
      }
      fake.setPermissions(['ProfilePhoto.Read.All']);
      expect((await graph(`/v1.0/users/${carol.id}/photo/$value`, token)).status).toBe(200);
      expect((await graph('/v1.0/users?$top=1&$select=id', token)).status).toBe(403);
    });

    it('throttles a user N times with 429 or 503 and Retry-After, then answers', async () => {
      const dave = fake.addUser({ userPrincipalName: 'dave@contoso.example', photo: tinyGif() });
      const token = await accessToken();
      fake.throttle(dave.id, { times: 2, status: 429, retryAfterSeconds: 1 });
      for (let i = 0; i < 2; i += 1) {
        const throttled = await graph(`/v1.0/users/${dave.id}/photo`, token);
        expect(throttled.status).toBe(429);
        expect(throttled.headers.get('retry-after')).toBe('1');
        expect((await json(throttled)).error.code).toBe('TooManyRequests');
      }
      expect((await graph(`/v1.0/users/${dave.id}/photo`, token)).status).toBe(200);

      fake.throttle(dave.id, { times: 1, status: 503, retryAfterSeconds: 2, on: 'value' });
      expect((await graph(`/v1.0/users/${dave.id}/photo`, token)).status).toBe(200);
      const unavailable = await graph(`/v1.0/users/${dave.id}/photo/$value`, token);
      expect(unavailable.status).toBe(503);
      expect(unavailable.headers.get('retry-after')).toBe('2');
      expect((await graph(`/v1.0/users/${dave.id}/photo/$value`, token)).status).toBe(200);
      expect(fake.requestsFor(dave.id).map((r) => r.status)).toEqual([429, 429, 200, 200, 503, 200]);
      const [first, second] = fake.requestsFor(dave.id);
      expect(first.answeredAt).toBeGreaterThanOrEqual(first.time);
      expect(second.time).toBeGreaterThanOrEqual(first.answeredAt!);
    });

    it('slow trickles the body past a client timeout, stall sends nothing, and both let the client go', async () => {
      fake.settings.slowBodyMs = 600;
      const erin = fake.addUser({ userPrincipalName: 'erin@contoso.example', photo: sizedJpeg(2_000), mode: 'slow' });
      const token = await accessToken();
      const started = Date.now();
      const whole = await graph(`/v1.0/users/${erin.id}/photo/$value`, token);
      expect(whole.status).toBe(200);
      expect(Buffer.from(await whole.arrayBuffer()).equals(erin.photo!.bytes)).toBe(true);
      expect(Date.now() - started).toBeGreaterThanOrEqual(500);

      fake.settings.slowBodyMs = 10_000;
      for (const mode of ['slow', 'stall'] as const) {
        fake.setMode(erin.id, mode);
        const aborted = fetch(`${fake.graphUrl}/v1.0/users/${erin.id}/photo/$value`, {
          headers: { authorization: `Bearer ${token}` },
          signal: AbortSignal.timeout(200),
        }).then((r) => r.arrayBuffer());
        await expect(aborted).rejects.toThrow();
      }
      // The fake is still answering.
      expect((await graph(`/v1.0/users/${erin.id}/photo`, token)).status).toBe(200);
    });

    it('oversized streams a valid JPEG over 5 MB, with or without a Content-Length', async () => {
      const frank = fake.addUser({ userPrincipalName: 'frank@contoso.example', photo: tinyWebp(), mode: 'oversized' });
      const token = await accessToken();
      const declared = await graph(`/v1.0/users/${frank.id}/photo/$value`, token);
      expect(Number(declared.headers.get('content-length'))).toBe(6 * 1024 * 1024);
      const body = Buffer.from(await declared.arrayBuffer());
      expect(body.length).toBe(6 * 1024 * 1024);
      expect(sniffImageType(body)).toBe('image/jpeg');

      fake.setMode(frank.id, 'oversized-chunked');
      const chunked = await graph(`/v1.0/users/${frank.id}/photo/$value`, token);
      expect(chunked.headers.get('content-length')).toBeNull();
      expect(chunked.headers.get('transfer-encoding')).toBe('chunked');
      expect((await chunked.arrayBuffer()).byteLength).toBe(6 * 1024 * 1024);
    });

    it('adds the configured latency to every Graph answer', async () => {
      const token = await accessToken();
      fake.settings.latencyMs = 150;
      const started = Date.now();
      await graph('/v1.0/users?$top=1&$select=id', token);
      expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    });

    it('clearLog keeps users and tokens; reset forgets everything', async () => {
      const gina = fake.addUser({ userPrincipalName: 'gina@contoso.example', photo: tinyPng() });
      const token = await accessToken();
      await graph(`/v1.0/users/${gina.id}/photo`, token);
      fake.clearLog();
      expect(fake.log).toEqual([]);
      expect(fake.counts()).toMatchObject({ tokenRequests: 0, metadataRequests: 0 });
      expect(gina.metadataRequests).toBe(0);
      expect((await graph(`/v1.0/users/${gina.id}/photo`, token)).status).toBe(200);
      fake.revokeTokens();
      expect((await graph(`/v1.0/users/${gina.id}/photo`, token)).status).toBe(401);
      expect((await graph(`/v1.0/users/${gina.id}/photo`)).status).toBe(200);
      fake.reset();
      expect(fake.users()).toEqual([]);
      expect((await graph(`/v1.0/users/${gina.id}/photo`, token)).status).toBe(401);
    });

    it('holds 10,000 users on one shared photo buffer', async () => {
      const shared = sizedJpeg(100 * 1024);
      const before = process.memoryUsage().heapUsed;
      for (let i = 0; i < 10_000; i += 1) fake.addUser({ userPrincipalName: `u${i}@contoso.example`, photo: { bytes: shared, contentType: 'image/jpeg' } });
      expect(fake.users()).toHaveLength(10_000);
      expect(new Set(fake.users().map((u) => u.photo!.etag)).size).toBeGreaterThan(9_990);
      // Far below 10,000 copies of 100 kB (1 GB): only small records were added.
      expect(process.memoryUsage().heapUsed - before).toBeLessThan(50 * 1024 * 1024);
      const token = await accessToken();
      const photo = await graph(`/v1.0/users/u9999@contoso.example/photo/$value`, token);
      expect((await photo.arrayBuffer()).byteLength).toBe(100 * 1024);
    });
  });

  it('close() ends at once, even with a download trickling', async () => {
    const other = await startFakeMicrosoft({ slowBodyMs: 30_000 });
    const user = other.addUser({ userPrincipalName: 'h@contoso.example', photo: tinyPng(), mode: 'slow' });
    const token = (
      (await (
        await fetch(`${other.loginUrl}/${other.app.directoryTenantId}/oauth2/v2.0/token`, {
          method: 'POST',
          body: new URLSearchParams({ client_id: other.app.clientId, client_secret: other.app.clientSecret, scope: GRAPH_SCOPE, grant_type: 'client_credentials' }),
        })
      ).json()) as { access_token: string }
    ).access_token;
    const pending = fetch(`${other.graphUrl}/v1.0/users/${user.id}/photo/$value`, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.arrayBuffer());
    await new Promise((resolve) => setTimeout(resolve, 100));
    const started = Date.now();
    await other.close();
    expect(Date.now() - started).toBeLessThan(1_000);
    await expect(pending).rejects.toThrow();
  });
});

describe('test images', () => {
  /** Walks a JPEG's segments from SOI to SOS, checking every length: a structurally valid file. */
  const jpegSegments = (bytes: Buffer) => {
    expect(bytes.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
    const markers: number[] = [];
    let offset = 2;
    for (;;) {
      expect(bytes[offset]).toBe(0xff);
      const marker = bytes[offset + 1];
      markers.push(marker);
      const length = bytes.readUInt16BE(offset + 2);
      expect(length).toBeGreaterThanOrEqual(2);
      offset += 2 + length;
      if (marker === 0xda) break;
      expect(offset).toBeLessThan(bytes.length);
    }
    expect(bytes.subarray(-2)).toEqual(Buffer.from([0xff, 0xd9]));
    return markers;
  };

  it('the tiny images are what their magic bytes say; SVG and HTML are none of them', () => {
    expect(sniffImageType(tinyPng())).toBe('image/png');
    expect(sniffImageType(tinyJpeg())).toBe('image/jpeg');
    expect(sniffImageType(tinyGif())).toBe('image/gif');
    expect(sniffImageType(tinyWebp())).toBe('image/webp');
    expect(sniffImageType(svgPayload())).toBeNull();
    expect(sniffImageType(htmlPayload())).toBeNull();
    expect(tinyPng().readUInt32BE(16)).toBe(1); // IHDR width
    expect(tinyGif().readUInt16LE(6)).toBe(1); // logical screen width
    expect(tinyWebp().readUInt32LE(4)).toBe(tinyWebp().length - 8); // RIFF size
    jpegSegments(tinyJpeg());
  });

  it('sizedJpeg has exactly the size asked and stays a valid JPEG; labelled JPEGs differ', () => {
    for (const size of [288, 292, 1_000, 65_537 + 288, 65_539 + 288, 100 * 1024, 5 * 1024 * 1024 + 1]) {
      const jpeg = sizedJpeg(size);
      expect(jpeg.length).toBe(size);
      const markers = jpegSegments(jpeg);
      expect(markers.at(-1)).toBe(0xda);
    }
    expect(labelledJpeg('a').equals(labelledJpeg('b'))).toBe(false);
    expect(jpegSegments(labelledJpeg('alice v2'))).toContain(0xfe);
    expect(() => sizedJpeg(290)).toThrow();
  });
});
