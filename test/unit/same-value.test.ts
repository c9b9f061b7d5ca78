import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sameValue } from '../../src/domain/shared/changes';

/** What `sameValue` compared before its shortcuts: the canonical JSON of both sides, always. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

const value = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom(undefined, null, 0, -0, '', 'a', true, false, Number.NaN, [], {}),
  fc.date({ noInvalidDate: true }),
  fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
);

/** The same members in the reverse order, all the way down (jsonb hands members back in its own order). */
function reordered(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reordered);
  if (value === null || typeof value !== 'object' || value instanceof Date) return value;
  return Object.fromEntries(Object.entries(value).reverse().map(([k, v]) => [k, reordered(v)]));
}

describe('sameValue (the attribute comparison of every change)', () => {
  it('answers as comparing canonical JSON does, for any two values', () => {
    fc.assert(fc.property(value, value, (a, b) => sameValue(a, b) === (canonical(a) === canonical(b))), { numRuns: 2000 });
  });

  it('ignores the order of object members', () => {
    fc.assert(fc.property(value, (a) => sameValue(a, reordered(a)) && sameValue(reordered(a), a)));
  });

  it('takes a missing value for null, and nothing else for null', () => {
    expect(sameValue(undefined, null)).toBe(true);
    expect(sameValue(null, [])).toBe(false);
    expect(sameValue({}, null)).toBe(false);
    expect(sameValue(0, null)).toBe(false);
    expect(sameValue('', null)).toBe(false);
  });
});
