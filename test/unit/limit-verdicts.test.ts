import { parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { LimitVerdicts } from '../../src/graphql/limit-verdicts';

describe('limit verdicts kept per document (issue 14)', () => {
  const document = parse('query Q($t: String, $n: Int, $deep: Boolean!, $id: ID!) { user(tenant: $t, id: $id) { id } users(first: $n) { edges { node { groups @skip(if: $deep) { id } } } } }');

  it('keys an operation by its text, its name and the variables the measures read: page sizes and @include/@skip', () => {
    const verdicts = new LimitVerdicts();
    const key = (variables: Record<string, unknown> | null) => verdicts.keyOf('hash', document, 'Q', variables);
    // The user id and the tenant change nothing the limits measure.
    expect(key({ t: 'acme', id: 'a', n: 5, deep: true })).toBe(key({ t: 'other', id: 'b', n: 5, deep: true }));
    expect(key({ n: 5, deep: true })).not.toBe(key({ n: 6, deep: true }));
    expect(key({ n: 5, deep: true })).not.toBe(key({ n: 5, deep: false }));
    // An absent variable takes its default; null does not.
    expect(key({ deep: true })).not.toBe(key({ n: null, deep: true }));
    expect(key(null)).toBe(key({}));
    expect(verdicts.keyOf('other hash', document, 'Q', {})).not.toBe(key({}));
    expect(verdicts.keyOf('hash', document, null, {})).not.toBe(key({}));
  });

  it('remembers only what it is told is within the limits', () => {
    const verdicts = new LimitVerdicts();
    const key = verdicts.keyOf('hash', document, 'Q', { n: 5 });
    expect(verdicts.isWithinLimits(key)).toBe(false);
    verdicts.rememberWithinLimits(key);
    expect(verdicts.isWithinLimits(key)).toBe(true);
    expect(verdicts.isWithinLimits(verdicts.keyOf('hash', document, 'Q', { n: 50 }))).toBe(false);
  });
});
