import { describe, expect, it } from 'vitest';
import { DomainError } from '../../src/domain/shared/domain-error';
import { decodeCursor, encodeCursor, MAX_PAGE_SIZE, pageSize, toPage } from '../../src/domain/shared/pagination';
import { atLeast, highest } from '../../src/domain/shared/permission-level';
import { displayPrefixOf, hashToken, issueToken, tokenKindOf } from '../../src/domain/shared/secret-token';

describe('pagination', () => {
  it('defaults, accepts and bounds first', () => {
    expect(pageSize(undefined)).toBe(50);
    expect(pageSize(0)).toBe(0);
    expect(pageSize(MAX_PAGE_SIZE)).toBe(MAX_PAGE_SIZE);
    for (const bad of [-1, MAX_PAGE_SIZE + 1, 1.5]) {
      expect(() => pageSize(bad)).toThrowError(DomainError);
    }
  });

  it('round-trips cursors and refuses foreign ones as bad input', () => {
    expect(decodeCursor(encodeCursor(['alice', 3]), 2)).toEqual(['alice', 3]);
    expect(decodeCursor(null, 1)).toBeUndefined();
    for (const bad of ['!!!', encodeCursor(['a', 'b']), Buffer.from('{"a":1}').toString('base64url'), 'bnVsbA']) {
      expect(() => decodeCursor(bad, 1)).toThrowError(expect.objectContaining({ code: 'BAD_USER_INPUT' }));
    }
  });

  it('uses the extra row only to say there is a next page', () => {
    const page = toPage([1, 2, 3], 2, 10, (n) => [n]);
    expect(page.items.map((i) => i.node)).toEqual([1, 2]);
    expect(page.hasNextPage).toBe(true);
    expect(page.endCursor).toBe(encodeCursor([2]));
    expect(toPage([], 2, 0, (n: number) => [n])).toMatchObject({ items: [], hasNextPage: false, endCursor: null });
  });
});

describe('permission levels', () => {
  it('are ordered NONE < VIEWER < COLLABORATOR < ADMINISTRATOR', () => {
    expect(atLeast('ADMINISTRATOR', 'VIEWER')).toBe(true);
    expect(atLeast('VIEWER', 'COLLABORATOR')).toBe(false);
    expect(highest('VIEWER', 'COLLABORATOR')).toBe('COLLABORATOR');
    expect(highest('NONE', 'NONE')).toBe('NONE');
  });
});

describe('secret tokens', () => {
  it('are random, typed by prefix, and hashed with SHA-256', () => {
    const a = issueToken('scim');
    const b = issueToken('scim');
    expect(a.token).not.toBe(b.token);
    expect(tokenKindOf(a.token)).toBe('scim');
    expect(a.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(a.hash).toBe(hashToken(a.token));
    expect(a.token.startsWith(a.displayPrefix)).toBe(true);
    expect(a.displayPrefix.length).toBeLessThan(16);
    expect(displayPrefixOf('pts_abcdefghijkl')).toBe('pts_abcdef');
    expect(tokenKindOf('Bearer nonsense')).toBeUndefined();
  });
});
