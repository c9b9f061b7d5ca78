import { describe, expect, it } from 'vitest';
import { safeReturnTo } from '../../src/saml/return-to';

const PUBLIC_URL = 'https://portico.example';

/** Issue 5, acceptance 4: RelayState and returnTo only ever lead to same-origin relative paths. */
describe('safeReturnTo (open-redirect guard)', () => {
  it.each([
    ['/dashboard', '/dashboard'],
    ['/teams?tab=members&x=1#top', '/teams?tab=members&x=1#top'],
    ['/a/../b', '/b'],
    ['/%2F%2Fevil.example', '/%2F%2Fevil.example'],
  ])('keeps the same-origin path %s', (given, kept) => {
    expect(safeReturnTo(given, PUBLIC_URL)).toBe(kept);
  });

  it.each([
    'https://evil.example/phish',
    'http://portico.example/dashboard',
    '//evil.example/phish',
    '///evil.example',
    '/\\evil.example',
    '\\\\evil.example',
    '/\t/evil.example',
    '/\n/evil.example',
    ' /dashboard',
    'javascript:alert(1)',
    'data:text/html,<script>alert(1)</script>',
    'evil.example',
    'dashboard',
    '',
    '/' + 'a'.repeat(3000),
    '/.//evil.example/phish',
    '/x/..//evil.example',
    '/%2e//evil.example',
  ])('sends %j to / instead', (given) => {
    expect(safeReturnTo(given, PUBLIC_URL)).toBe('/');
  });

  it('ignores anything that is not a string', () => {
    expect(safeReturnTo(['/a', '/b'], PUBLIC_URL)).toBe('/');
    expect(safeReturnTo(undefined, PUBLIC_URL)).toBe('/');
    expect(safeReturnTo({ href: 'https://evil.example' }, PUBLIC_URL)).toBe('/');
  });
});
