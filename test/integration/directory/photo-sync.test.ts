import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeMicrosoft, type FakeMicrosoft, type RequestRecord } from '../../fixtures/fake-microsoft';
import { htmlPayload, labelledJpeg, sizedJpeg, svgPayload, tinyGif, tinyJpeg, tinyPng, tinyWebp } from '../../fixtures/images';
import {
  PUBLIC_URL,
  codes,
  directoryApi,
  directoryEnv,
  getPhoto,
  inputFor,
  provisionPeople,
  putPhoto,
  type DirectoryApi,
  type ProvisionedPerson,
} from '../../helpers/directory';
import { startTestPortico, type TestPortico } from '../../helpers/portico';
import { samlTenant } from '../../helpers/saml';
import { scimTenant, type ScimClient } from '../../helpers/scim';

/**
 * Issue 12, acceptance 1 (the sync): Portico against the fake login + Graph server. Photo timeout 1 s,
 * Retry-After bounded at 2 s, 4 users at a time (see directoryEnv).
 */
describe('directory sync of profile photos', () => {
  let fake: FakeMicrosoft;
  let portico: TestPortico;
  let tenantNumber = 0;

  beforeAll(async () => {
    fake = await startFakeMicrosoft({ slowBodyMs: 4_000 });
    portico = await startTestPortico(directoryEnv(fake));
  });
  afterAll(async () => {
    await portico?.stop();
    await fake?.close();
  });
  beforeEach(() => fake.reset());

  const operator = () => ({ token: portico.operatorToken });

  /** A fresh tenant (SCIM on), connected to the fake's app registration. */
  const connectedTenant = async (prefix = 'sync'): Promise<{ slug: string; scim: ScimClient; api: DirectoryApi }> => {
    tenantNumber += 1;
    const slug = `${prefix}-${tenantNumber}`;
    const scim = await scimTenant(portico, slug);
    const api = directoryApi(portico.url, slug, operator());
    await api.configure(inputFor(fake));
    return { slug, scim, api };
  };

  const photoOf = (slug: string, person: ProvisionedPerson) => getPhoto(portico.url, slug, person.id, operator());
  const expectPhoto = async (slug: string, person: ProvisionedPerson, bytes: Buffer, contentType: string) => {
    const answer = await photoOf(slug, person);
    expect(answer.status, person.userName).toBe(200);
    expect(answer.headers.get('content-type')?.split(';')[0], person.userName).toBe(contentType);
    expect(answer.bytes.equals(bytes), `${person.userName}: the stored bytes are the photo's`).toBe(true);
    return answer;
  };

  it('the first sync downloads every photo, the second downloads nothing (ETag), a changed photo is downloaded again', async () => {
    const { slug, scim, api } = await connectedTenant();
    const people = await provisionPeople(scim, fake, [
      { userName: 'png@contoso.example', photo: tinyPng() },
      { userName: 'jpeg@contoso.example', photo: labelledJpeg('jpeg v1') },
      { userName: 'gif@contoso.example', photo: tinyGif() },
      // Entra's default mapping: externalId is the mailNickname; Graph is asked by userPrincipalName.
      { userName: 'webp@contoso.example', externalId: 'mailNickname', photo: tinyWebp() },
      { userName: 'nophoto@contoso.example', photo: null },
    ]);
    const [png, jpeg, gif, webp, nophoto] = people;
    const withPhoto = [png, jpeg, gif, webp];

    fake.clearLog();
    const started = await api.startSync();
    expect(started.state).toBe('RUNNING');
    expect(started.finishedAt).toBeNull();
    const first = await api.waitForSync(started.id);
    expect(first).toMatchObject({
      id: started.id,
      state: 'SUCCEEDED',
      photosDownloaded: 4,
      photosUnchanged: 0,
      photosSkipped: 0,
      usersWithoutPhoto: 1,
      error: null,
    });
    expect(new Date(first.finishedAt!).getTime()).toBeGreaterThanOrEqual(new Date(first.startedAt).getTime());
    expect(fake.counts()).toMatchObject({ metadataRequests: 5, valueRequests: 4, tokensIssued: 1 });
    expect(fake.requestsFor(webp.fake!.id, 'metadata').map((r) => r.ref)).toEqual(['webp@contoso.example']);

    await expectPhoto(slug, png, tinyPng(), 'image/png');
    const jpegFirst = await expectPhoto(slug, jpeg, labelledJpeg('jpeg v1'), 'image/jpeg');
    await expectPhoto(slug, gif, tinyGif(), 'image/gif');
    await expectPhoto(slug, webp, tinyWebp(), 'image/webp');
    expect((await photoOf(slug, nophoto)).status).toBe(404);
    expect(await api.photoUrl(png.id)).toBe(`${PUBLIC_URL}/api/${slug}/users/${png.id}/photo`);
    expect(await api.photoUrl(nophoto.id)).toBeNull();

    const changed = await api.events(['USER_PHOTO_CHANGED']);
    expect(changed.map((e) => e.subjectId).sort()).toEqual(withPhoto.map((p) => p.id).sort());
    for (const event of changed) expect(event).toMatchObject({ subjectType: 'USER', source: 'DIRECTORY_SYNC', outcome: 'SUCCESS' });
    const succeeded = await api.events(['DIRECTORY_SYNC_SUCCEEDED']);
    expect(succeeded).toHaveLength(1);
    expect(succeeded[0]).toMatchObject({ outcome: 'SUCCESS', source: 'DIRECTORY_SYNC' });
    expect(succeeded[0].detail).toMatchObject({ photosDownloaded: 4, photosUnchanged: 0, photosSkipped: 0, usersWithoutPhoto: 1 });

    // Second sync: every ETag is the one seen last time, so no photo is downloaded, and the token is reused.
    fake.clearLog();
    const second = await api.sync();
    expect(second).toMatchObject({ state: 'SUCCEEDED', photosDownloaded: 0, photosUnchanged: 4, photosSkipped: 0, usersWithoutPhoto: 1 });
    expect(second.id).not.toBe(first.id);
    expect(fake.counts()).toMatchObject({ metadataRequests: 5, valueRequests: 0, tokenRequests: 0 });
    expect(await api.events(['USER_PHOTO_CHANGED'])).toHaveLength(4);
    const jpegSecond = await photoOf(slug, jpeg);
    expect(jpegSecond.headers.get('etag')).toBe(jpegFirst.headers.get('etag'));

    // A new photo in Entra has a new ETag: downloaded again, that user's only.
    fake.setPhoto(jpeg.fake!.id, labelledJpeg('jpeg v2'));
    fake.clearLog();
    const third = await api.sync();
    expect(third).toMatchObject({ state: 'SUCCEEDED', photosDownloaded: 1, photosUnchanged: 3, usersWithoutPhoto: 1 });
    expect(fake.counts().valueRequests).toBe(1);
    expect(fake.requestsFor(jpeg.fake!.id, 'value')).toHaveLength(1);
    const jpegThird = await expectPhoto(slug, jpeg, labelledJpeg('jpeg v2'), 'image/jpeg');
    expect(jpegThird.headers.get('etag')).not.toBe(jpegFirst.headers.get('etag'));
    const changedNow = await api.events(['USER_PHOTO_CHANGED']);
    expect(changedNow).toHaveLength(5);
    expect(changedNow.at(-1)!.subjectId).toBe(jpeg.id);
    expect(await api.events(['DIRECTORY_SYNC_SUCCEEDED'])).toHaveLength(3);
  });

  it('asks Graph by the GUID externalId, else the objectidentifier seen at sign-in, else the userName', async () => {
    tenantNumber += 1;
    const slug = `refs-${tenantNumber}`;
    const saml = await samlTenant(portico, slug, { idpInitiatedSignIn: true });
    const api = directoryApi(portico.url, slug, operator());
    await api.configure(inputFor(fake));
    const [byObjectId, byClaim, byUpn] = await provisionPeople(saml.scim, fake, [
      // Graph knows them under another UPN: only the object id finds them.
      { userName: 'guid@contoso.example', userPrincipalName: 'renamed.guid@contoso.example', photo: labelledJpeg('guid') },
      { userName: 'claim@contoso.example', userPrincipalName: 'renamed.claim@contoso.example', externalId: 'mailNickname', photo: labelledJpeg('claim') },
      { userName: 'upn@contoso.example', externalId: 'mailNickname', photo: labelledJpeg('upn') },
    ]);
    // The SAML sign-in tells Portico the object id of the second one.
    const signedIn = await saml.signIn('claim@contoso.example', { objectId: byClaim.fake!.id });
    expect(signedIn.session).toBeTruthy();

    fake.clearLog();
    expect(await api.sync()).toMatchObject({ state: 'SUCCEEDED', photosDownloaded: 3, photosSkipped: 0 });
    const refs = (records: RequestRecord[]) => records.map((r) => r.ref?.toLowerCase());
    expect(refs(fake.requestsFor(byObjectId.fake!.id, 'metadata'))).toEqual([byObjectId.fake!.id]);
    expect(refs(fake.requestsFor(byClaim.fake!.id, 'metadata'))).toEqual([byClaim.fake!.id]);
    expect(refs(fake.requestsFor(byUpn.fake!.id, 'metadata'))).toEqual(['upn@contoso.example']);
    await expectPhoto(slug, byClaim, labelledJpeg('claim'), 'image/jpeg');
  });

  it('an oversized, a slow, a stalled photo and bytes that are no image are skipped and counted while the rest succeed', async () => {
    const { slug, scim, api } = await connectedTenant();
    const people = await provisionPeople(scim, fake, [
      { userName: 'fine1@contoso.example', photo: tinyPng() },
      { userName: 'oversized@contoso.example', photo: labelledJpeg('big'), mode: 'oversized' },
      { userName: 'fine2@contoso.example', photo: labelledJpeg('fine2') },
      { userName: 'chunked@contoso.example', photo: labelledJpeg('chunked'), mode: 'oversized-chunked' },
      { userName: 'slow@contoso.example', photo: labelledJpeg('slow'), mode: 'slow' },
      { userName: 'stall@contoso.example', photo: labelledJpeg('stall'), mode: 'stall' },
      { userName: 'svg@contoso.example', photo: svgPayload(), contentType: 'image/jpeg' },
      { userName: 'html@contoso.example', photo: htmlPayload(), contentType: 'image/png' },
      { userName: 'fine3@contoso.example', photo: tinyWebp() },
    ]);
    const byName = Object.fromEntries(people.map((p) => [p.userName.split('@')[0], p]));
    const startedAt = Date.now();
    const result = await api.sync(30_000);
    expect(result).toMatchObject({ state: 'SUCCEEDED', photosDownloaded: 3, photosSkipped: 6, photosUnchanged: 0, usersWithoutPhoto: 0, error: null });
    // The slow ones were cut at the 1 s limit, not waited for (4 s each).
    expect(Date.now() - startedAt).toBeLessThan(8_000);
    for (const name of ['fine1', 'fine2', 'fine3']) expect((await photoOf(slug, byName[name])).status, name).toBe(200);
    for (const name of ['oversized', 'chunked', 'slow', 'stall', 'svg', 'html']) {
      expect((await photoOf(slug, byName[name])).status, name).toBe(404);
      expect(fake.requestsFor(byName[name].fake!.id, 'value'), name).toHaveLength(1);
    }
    expect(await api.events(['USER_PHOTO_CHANGED'])).toHaveLength(3);
    expect((await api.events(['DIRECTORY_SYNC_SUCCEEDED']))[0].detail).toMatchObject({ photosDownloaded: 3, photosSkipped: 6 });

    // A skipped photo is not taken as seen: once Graph serves it properly, the next sync downloads it.
    for (const name of ['oversized', 'chunked', 'slow', 'stall']) fake.setMode(byName[name].fake!.id, 'normal');
    fake.clearLog();
    expect(await api.sync()).toMatchObject({ state: 'SUCCEEDED', photosDownloaded: 4, photosUnchanged: 3, photosSkipped: 2 });
    await expectPhoto(slug, byName.slow, labelledJpeg('slow'), 'image/jpeg');
    await expectPhoto(slug, byName.oversized, labelledJpeg('big'), 'image/jpeg');
  });

  describe('throttling', () => {
    /** The request about this user that followed a throttled one came at least `seconds` after that answer. */
    const expectWaited = (requests: RequestRecord[], status: number, seconds: number) => {
      const throttled = requests.findIndex((r) => r.status === status);
      expect(throttled, JSON.stringify(requests)).toBeGreaterThanOrEqual(0);
      const retry = requests[throttled + 1];
      expect(retry, 'a retry followed').toBeDefined();
      // 50 ms of slack for timer and clock granularity.
      expect(retry.time - requests[throttled].answeredAt!).toBeGreaterThanOrEqual(seconds * 1000 - 50);
      return retry.time - requests[throttled].answeredAt!;
    };

    it('429 with Retry-After: 1 is honoured, and so is 503 with Retry-After: 1; both then succeed', async () => {
      const { scim, api } = await connectedTenant();
      const [metadataThrottled, downloadThrottled, unavailable, calm] = await provisionPeople(scim, fake, [
        { userName: 'busy1@contoso.example', photo: labelledJpeg('busy1') },
        { userName: 'busy2@contoso.example', photo: labelledJpeg('busy2') },
        { userName: 'busy3@contoso.example', photo: labelledJpeg('busy3') },
        { userName: 'calm@contoso.example', photo: labelledJpeg('calm') },
      ]);
      fake.throttle(metadataThrottled.fake!.id, { times: 1, status: 429, retryAfterSeconds: 1, on: 'metadata' });
      fake.throttle(downloadThrottled.fake!.id, { times: 1, status: 429, retryAfterSeconds: 1, on: 'value' });
      fake.throttle(unavailable.fake!.id, { times: 1, status: 503, retryAfterSeconds: 1, on: 'any' });
      fake.clearLog();
      expect(await api.sync()).toMatchObject({ state: 'SUCCEEDED', photosDownloaded: 4, photosSkipped: 0 });
      expectWaited(fake.requestsFor(metadataThrottled.fake!.id), 429, 1);
      expectWaited(fake.requestsFor(downloadThrottled.fake!.id), 429, 1);
      expectWaited(fake.requestsFor(unavailable.fake!.id), 503, 1);
      expect(fake.requestsFor(calm.fake!.id).map((r) => r.status)).toEqual([200, 200]);
    });

    it('a Retry-After beyond PORTICO_DIRECTORY_RETRY_AFTER_MAX_SECONDS is cut to it; a user still throttled after the retries is skipped', async () => {
      const { scim, api } = await connectedTenant();
      const [patient, hopeless, calm] = await provisionPeople(scim, fake, [
        { userName: 'patient@contoso.example', photo: labelledJpeg('patient') },
        { userName: 'hopeless@contoso.example', photo: labelledJpeg('hopeless') },
        { userName: 'calm@contoso.example', photo: labelledJpeg('calm') },
      ]);
      fake.throttle(patient.fake!.id, { times: 1, status: 429, retryAfterSeconds: 3600 });
      fake.throttle(hopeless.fake!.id, { times: Infinity, status: 429, retryAfterSeconds: 1 });
      fake.clearLog();
      const startedAt = Date.now();
      expect(await api.sync(30_000)).toMatchObject({ state: 'SUCCEEDED', photosDownloaded: 2, photosSkipped: 1 });
      expect(Date.now() - startedAt).toBeLessThan(20_000);
      const waited = expectWaited(fake.requestsFor(patient.fake!.id), 429, 2);
      expect(waited).toBeLessThan(5_000);
      const attempts = fake.requestsFor(hopeless.fake!.id);
      expect(attempts.length).toBeGreaterThanOrEqual(2);
      expect(attempts.every((r) => r.status === 429)).toBe(true);
      expect(fake.requestsFor(calm.fake!.id, 'value')).toHaveLength(1);
    });
  });

  it('a user with no photo in Entra (404) keeps the avatar they uploaded; Entra replaces it only when its photo is new', async () => {
    const { slug, scim, api } = await connectedTenant();
    const [person] = await provisionPeople(scim, fake, [{ userName: 'own@contoso.example', photo: null }]);
    const session = (await portico.services.sessions.open(scim.scope, person.id)).token;
    expect((await putPhoto(portico.url, slug, person.id, tinyGif(), { token: session, contentType: 'image/gif' })).status).toBe(204);

    expect(await api.sync()).toMatchObject({ state: 'SUCCEEDED', usersWithoutPhoto: 1, photosDownloaded: 0 });
    await expectPhoto(slug, person, tinyGif(), 'image/gif');

    // Entra gets a photo: it replaces the upload.
    fake.setPhoto(person.fake!.id, labelledJpeg('entra v1'));
    expect(await api.sync()).toMatchObject({ state: 'SUCCEEDED', photosDownloaded: 1 });
    await expectPhoto(slug, person, labelledJpeg('entra v1'), 'image/jpeg');

    // The person uploads their own again; Entra's photo has not changed since: the upload stays.
    expect((await putPhoto(portico.url, slug, person.id, tinyPng(), { cookie: `portico_session=${session}`, contentType: 'image/png' })).status).toBe(204);
    fake.clearLog();
    expect(await api.sync()).toMatchObject({ state: 'SUCCEEDED', photosDownloaded: 0, photosUnchanged: 1 });
    expect(fake.counts().valueRequests).toBe(0);
    await expectPhoto(slug, person, tinyPng(), 'image/png');

    // Entra's photo changes: it wins again.
    fake.setPhoto(person.fake!.id, labelledJpeg('entra v2'));
    expect(await api.sync()).toMatchObject({ state: 'SUCCEEDED', photosDownloaded: 1 });
    await expectPhoto(slug, person, labelledJpeg('entra v2'), 'image/jpeg');

    // Entra removes it: the last photo stays.
    fake.removePhoto(person.fake!.id);
    expect(await api.sync()).toMatchObject({ state: 'SUCCEEDED', usersWithoutPhoto: 1 });
    await expectPhoto(slug, person, labelledJpeg('entra v2'), 'image/jpeg');
  });

  it('a user Graph does not know is skipped; the sync goes on', async () => {
    const { scim, api } = await connectedTenant();
    await provisionPeople(scim, fake, [
      { userName: 'ghost@contoso.example', unknownToGraph: true },
      { userName: 'real@contoso.example', photo: tinyJpeg() },
    ]);
    expect(await api.sync()).toMatchObject({ state: 'SUCCEEDED', photosDownloaded: 1, photosSkipped: 1, usersWithoutPhoto: 0 });
  });

  it('syncDirectory while a sync runs returns the running one', async () => {
    const { scim, api } = await connectedTenant();
    await provisionPeople(
      scim,
      fake,
      Array.from({ length: 8 }, (_, i) => ({ userName: `slowgraph${i}@contoso.example`, photo: labelledJpeg(`slow graph ${i}`) })),
    );
    fake.settings.latencyMs = 250;
    const first = await api.startSync();
    const [again, andAgain] = await Promise.all([api.startSync(), api.startSync()]);
    expect(again).toMatchObject({ id: first.id, state: 'RUNNING' });
    expect(andAgain.id).toBe(first.id);
    const done = await api.waitForSync(first.id);
    expect(done).toMatchObject({ state: 'SUCCEEDED', photosDownloaded: 8 });
    // Each user's photo was asked for once: no second sync ran beside the first.
    for (const user of fake.users()) expect(user.metadataRequests, user.userPrincipalName).toBe(1);
    expect(await api.events(['DIRECTORY_SYNC_SUCCEEDED'])).toHaveLength(1);
    // Once it is over, a new one starts.
    fake.settings.latencyMs = 0;
    const next = await api.startSync();
    expect(next.id).not.toBe(first.id);
    await api.waitForSync(next.id);
  });

  it('the token is reused across syncs until it expires; a token Graph rejects is replaced', async () => {
    const { scim, api } = await connectedTenant();
    await provisionPeople(scim, fake, [
      { userName: 't1@contoso.example', photo: tinyPng() },
      { userName: 't2@contoso.example', photo: tinyJpeg() },
      { userName: 't3@contoso.example', photo: tinyGif() },
    ]);
    fake.clearLog();
    await api.sync();
    await api.sync();
    expect(fake.counts()).toMatchObject({ tokensIssued: 1, failedAuth: 0 });

    // Graph stops accepting it (a key rollover, a clock skew): Portico gets a new one and carries on.
    fake.revokeTokens();
    fake.clearLog();
    fake.setPhoto(fake.users()[0].id, labelledJpeg('after rollover'));
    expect(await api.sync()).toMatchObject({ state: 'SUCCEEDED', photosDownloaded: 1, photosUnchanged: 2 });
    expect(fake.counts().tokensIssued).toBeGreaterThanOrEqual(1);
    expect(fake.counts().tokensIssued).toBeLessThanOrEqual(3); // at most one per user in flight, never one per request

    // A token that lives one second: once it has expired, Portico asks for a new one instead of sending it.
    fake.settings.tokenExpiresIn = 1;
    fake.revokeTokens();
    await api.sync();
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    fake.clearLog();
    expect(await api.sync()).toMatchObject({ state: 'SUCCEEDED', photosUnchanged: 3 });
    expect(fake.counts().tokensIssued).toBeGreaterThanOrEqual(1);
    expect(fake.counts().failedAuth).toBe(0);
  });

  describe('failures that stop the sync', () => {
    it('Graph 403 fails the whole sync with what to do; stored photos stay', async () => {
      const { slug, scim, api } = await connectedTenant();
      const [kept] = await provisionPeople(scim, fake, [
        { userName: 'kept@contoso.example', photo: tinyPng() },
        { userName: 'other@contoso.example', photo: tinyJpeg() },
      ]);
      await api.sync();
      fake.setPhoto(kept.fake!.id, labelledJpeg('never seen'));
      fake.setPermissions([]);
      const failed = await api.sync();
      expect(failed.state).toBe('FAILED');
      expect(failed.error).toMatch(/permission/i);
      expect(failed.error).toMatch(/admin consent/i);
      expect(failed.finishedAt).not.toBeNull();
      const events = await api.events(['DIRECTORY_SYNC_FAILED']);
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({ outcome: 'FAILURE', source: 'DIRECTORY_SYNC' });
      expect(events[0].error).toMatch(/permission/i);
      await expectPhoto(slug, kept, tinyPng(), 'image/png');
      // Stopped at the first refusal, not once per user.
      expect(fake.log.filter((r) => r.status === 403).length).toBeLessThanOrEqual(4);
    });

    it('an expired secret fails the sync with DIRECTORY_SYNC_FAILED saying it expired', async () => {
      fake.expireSecret();
      const { scim, api } = await connectedTenant();
      await provisionPeople(scim, fake, [{ userName: 'x@contoso.example', photo: tinyPng() }]);
      const failed = await api.sync();
      expect(failed).toMatchObject({ state: 'FAILED', photosDownloaded: 0 });
      expect(failed.error).toMatch(/expired/i);
      const events = await api.events(['DIRECTORY_SYNC_FAILED']);
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({ type: 'DIRECTORY_SYNC_FAILED', outcome: 'FAILURE' });
      expect(events[0].error).toMatch(/expired/i);
      expect(await api.events(['DIRECTORY_SYNC_SUCCEEDED'])).toHaveLength(0);
      expect(fake.counts().metadataRequests).toBe(0);

      // A new secret (rotation) fixes it.
      fake.expireSecret(false);
      await api.configure(inputFor(fake));
      expect(await api.sync()).toMatchObject({ state: 'SUCCEEDED', photosDownloaded: 1 });
    });

    it('syncDirectory without a provider is NOT_FOUND', async () => {
      tenantNumber += 1;
      const slug = `none-${tenantNumber}`;
      await scimTenant(portico, slug);
      expect(codes(await directoryApi(portico.url, slug, operator()).syncRaw())).toEqual(['NOT_FOUND']);
    });
  });

  it('a 100 kB photo and one of 4 MB are downloaded whole', async () => {
    const { slug, scim, api } = await connectedTenant();
    const [medium, large] = await provisionPeople(scim, fake, [
      { userName: 'medium@contoso.example', photo: sizedJpeg(100 * 1024) },
      { userName: 'large@contoso.example', photo: sizedJpeg(4 * 1000 * 1000) },
    ]);
    expect(await api.sync()).toMatchObject({ state: 'SUCCEEDED', photosDownloaded: 2, photosSkipped: 0 });
    await expectPhoto(slug, medium, sizedJpeg(100 * 1024), 'image/jpeg');
    await expectPhoto(slug, large, sizedJpeg(4 * 1000 * 1000), 'image/jpeg');
  });

  it('a photo Graph sends without an ETag is downloaded at every sync (it cannot be known unchanged)', async () => {
    const { scim, api } = await connectedTenant('no-etag');
    const [person] = await provisionPeople(scim, fake, [{ userName: 'noetag@contoso.example', photo: tinyPng() }]);
    fake.setPhoto(person.userName, tinyPng(), 'image/png', '');
    expect(await api.sync()).toMatchObject({ state: 'SUCCEEDED', photosDownloaded: 1 });
    expect(await api.sync()).toMatchObject({ state: 'SUCCEEDED', photosDownloaded: 1, photosUnchanged: 0 });
  });
});
