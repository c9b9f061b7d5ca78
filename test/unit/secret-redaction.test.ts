import { describe, expect, it } from 'vitest';
import { redactSecrets } from '../../src/domain/shared/changes';
import { redactFilterText, redactScimRequest } from '../../src/scim/redact-request';

const SECRET = 'Hunter2-Pa55';
const CORE_USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

const leaks = (value: unknown) => JSON.stringify(value).includes(SECRET) || JSON.stringify(value).includes('Hunter2');

describe('redactSecrets', () => {
  it('redacts members by name at any depth, in any case, with or without the core schema URN', () => {
    const out = redactSecrets({ userName: 'a', Password: SECRET, [CORE_USER]: { password: SECRET }, [`${CORE_USER}:password`]: SECRET });
    expect(leaks(out)).toBe(false);
    expect(out).toMatchObject({ userName: 'a', Password: '[redacted]' });
  });

  it('redacts the value of a PATCH operation whose path names a secret, whatever the case of its members', () => {
    for (const path of ['password', 'PASSWORD', `${CORE_USER}:password`, `urn:ietf:params:scim:schemas:core:2.0:User:Password`]) {
      const body = {
        schemas: [PATCH_OP],
        Operations: [
          { op: 'replace', path, value: SECRET },
          { Op: 'Replace', Path: path, Value: [{ value: SECRET }] },
          { op: 'replace', path: 'displayName', value: 'kept' },
        ],
      };
      const out = redactSecrets(body) as typeof body;
      expect(leaks(out), path).toBe(false);
      expect(out.Operations[2]).toEqual({ op: 'replace', path: 'displayName', value: 'kept' });
      expect(out.Operations[0].path).toBe(path);
    }
  });

  it('keeps an ordinary path whose quoted filter value merely contains a secret-looking word', () => {
    const op = { op: 'replace', path: 'emails[value eq "monkey@x.com"].value', value: 'new@x.com' };
    expect(redactSecrets(op)).toEqual(op);
  });

  it('redacts a no-path PATCH value object with a secret key', () => {
    const out = redactSecrets({ Operations: [{ op: 'Replace', value: { password: SECRET, [`${CORE_USER}:password`]: SECRET, displayName: 'x' } }] });
    expect(leaks(out)).toBe(false);
    expect(JSON.stringify(out)).toContain('"displayName":"x"');
  });
});

describe('redactFilterText', () => {
  it('blanks a comparison with a password, quoted or not, and keeps the rest of the filter', () => {
    expect(redactFilterText(`password eq "${SECRET}"`)).toBe('password eq [redacted]');
    expect(redactFilterText(`userName eq "bob" and password eq "${SECRET}"`)).toBe('userName eq "bob" and password eq [redacted]');
    expect(redactFilterText(`(${CORE_USER}:password eq ${SECRET}) or active eq true`)).toBe(`(${CORE_USER}:password eq [redacted]) or active eq true`);
    expect(redactFilterText(`Password EQ"${SECRET}"`)).toBe('Password EQ[redacted]');
  });

  it('blanks what follows a secret in a filter that does not parse, including an unterminated string', () => {
    expect(leaks(redactFilterText(`password ${SECRET}`))).toBe(false);
    expect(leaks(redactFilterText(`password eq "${SECRET} and more`))).toBe(false);
    expect(leaks(redactFilterText(`x[password eq "${SECRET}"]`))).toBe(false);
  });

  it('leaves filters without secrets untouched', () => {
    for (const filter of ['userName eq "key@x.com"', 'emails[type eq "work" and value co "@x"]', 'active eq true']) {
      expect(redactFilterText(filter)).toBe(filter);
    }
  });
});

describe('redactScimRequest', () => {
  it('redacts the query filter, a .search body filter, a body password, and scrubs the secrets out of a message', () => {
    const redacted = redactScimRequest({
      query: { filter: `password eq "${SECRET}"`, password: SECRET },
      body: { filter: `password eq "${SECRET}"`, userName: 'a', password: SECRET },
    });
    expect(leaks(redacted.query)).toBe(false);
    expect(leaks(redacted.body)).toBe(false);
    const message = redacted.scrub(`Unknown operator "${SECRET}" near ${SECRET}`);
    expect(message).toMatch(/^Unknown operator "?\[redacted\]"? near \[redacted\]$/);
    expect(redacted.scrub('nothing secret')).toBe('nothing secret');
  });
});
