import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateApiKeyDocument, UserAccessDocument } from '../../generated/graphql';
import { entraUser } from '../../fixtures/entra';
import { errorCodes, startTestPortico, type TestPortico } from '../../helpers/portico';
import { scimTenant } from '../../helpers/scim';

/** `user(id) { access }` reads the user and its access at the same time; the answers are those of reading them in turn. */
describe('user.access read beside the user', () => {
  let portico: TestPortico;
  let userId = '';

  beforeAll(async () => {
    portico = await startTestPortico();
    const scim = await scimTenant(portico, 'prefetch');
    userId = (await scim.request('POST', '/Users', { body: entraUser({ userName: 'pat@prefetch.example' }) })).body.id;
  }, 60_000);

  afterAll(async () => {
    await portico?.stop();
  });

  it('an unknown or malformed id is null, with no error and nothing left unhandled', async () => {
    for (const id of [randomUUID(), 'not-a-uuid']) {
      const result = await portico.gql(UserAccessDocument, { tenant: 'prefetch', id });
      expect(result.errors).toBeUndefined();
      expect(result.data?.user).toBeNull();
    }
  });

  it('a caller without directory access is refused once, for the user, as before', async () => {
    const key = await portico.gql(CreateApiKeyDocument, { tenant: 'prefetch', input: { name: 'none', level: 'NONE' } });
    const result = await portico.gql(UserAccessDocument, { id: userId }, { token: key.data!.createApiKey.token });
    expect(errorCodes(result)).toEqual(['FORBIDDEN']);
  });

  it('a known user gets its access', async () => {
    const result = await portico.gql(UserAccessDocument, { tenant: 'prefetch', id: userId });
    expect(result.errors).toBeUndefined();
    expect(result.data?.user?.access.globalLevel).toBe('NONE');
  });
});
