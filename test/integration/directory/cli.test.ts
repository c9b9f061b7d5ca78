import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeMicrosoft, type FakeMicrosoft } from '../../fixtures/fake-microsoft';
import { tinyPng } from '../../fixtures/images';
import { directoryApi, directoryEnv, inputFor, provisionPeople } from '../../helpers/directory';
import { startTestPortico, type TestPortico } from '../../helpers/portico';
import { runNode } from '../../helpers/process';
import { scimTenant } from '../../helpers/scim';

/** `portico directory test <tenant>` and `portico directory sync <tenant>` (issue 12), on the app's database. */
describe('portico directory CLI', () => {
  let fake: FakeMicrosoft;
  let portico: TestPortico;
  let cliEnv: Record<string, string>;
  const portico$ = (...args: string[]) => runNode('bin/portico.js', args, cliEnv);

  beforeAll(async () => {
    fake = await startFakeMicrosoft();
    const secretKey = randomBytes(32).toString('hex');
    portico = await startTestPortico(directoryEnv(fake, { PORTICO_SECRET_KEY: secretKey }));
    cliEnv = { ...directoryEnv(fake), DATABASE_URL: portico.databaseUrl, PORTICO_SECRET_KEY: secretKey, PUBLIC_URL: 'https://portico.test' };
    const scim = await scimTenant(portico, 'cli-photos');
    await provisionPeople(scim, fake, [
      { userName: 'a@contoso.example', photo: tinyPng() },
      { userName: 'b@contoso.example', photo: null },
    ]);
    await directoryApi(portico.url, 'cli-photos', { token: portico.operatorToken }).configure(inputFor(fake));
  });
  afterAll(async () => {
    await portico?.stop();
    await fake?.close();
  });

  it('test: prints the result, and exits 1 with what to fix when Microsoft refuses', async () => {
    const ok = await portico$('directory', 'test', 'cli-photos');
    expect(ok.code).toBe(0);
    expect(ok.output).toContain('Connected to Microsoft Entra ID');
    fake.expireSecret();
    try {
      const refused = await portico$('directory', 'test', 'cli-photos');
      expect(refused.code).toBe(1);
      expect(refused.output).toMatch(/expired.*new client secret/);
      expect(refused.output).not.toContain(fake.app.clientSecret);
    } finally {
      fake.expireSecret(false);
    }
  });

  it('sync: runs the sync in the CLI process and prints the counts', async () => {
    const result = await portico$('directory', 'sync', 'cli-photos');
    expect(result.code).toBe(0);
    expect(result.output).toContain('Sync finished: 1 downloaded, 0 unchanged, 0 skipped, 1 without a photo.');
    const provider = await directoryApi(portico.url, 'cli-photos', { token: portico.operatorToken }).provider();
    expect(provider!.lastSync).toMatchObject({ state: 'SUCCEEDED', photosDownloaded: 1, usersWithoutPhoto: 1 });
  });

  it('an unknown tenant or a missing argument is a usage error', async () => {
    expect(await portico$('directory', 'sync', 'nope')).toMatchObject({ code: 2 });
    const missing = await portico$('directory', 'test');
    expect(missing.code).toBe(2);
    expect(missing.output).toContain('portico directory test <slug>');
  });
});
