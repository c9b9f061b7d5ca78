import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsonTextDepthExceeds } from '../../src/http/json-depth';

/** The nesting depth of a JSON value, by the definition the byte scanner must agree with. */
function depthOf(value: unknown): number {
  if (value === null || typeof value !== 'object') return 0;
  const inner = Array.isArray(value) ? value : Object.values(value);
  return 1 + inner.reduce<number>((deepest, item) => Math.max(deepest, depthOf(item)), 0);
}

describe('jsonTextDepthExceeds', () => {
  it('agrees with the depth of the parsed value, for any JSON (strings full of brackets and escapes included)', () => {
    const text = fc.string({ unit: fc.constantFrom('[', ']', '{', '}', '"', '\\', 'a', 'é', '😀') });
    const value = fc.letrec((tie) => ({
      node: fc.oneof({ depthSize: 'small' }, text, fc.integer(), fc.constant(null), fc.array(tie('node')), fc.dictionary(text, tie('node'))),
    })).node;
    fc.assert(
      fc.property(value, fc.integer({ min: 0, max: 6 }), (json, limit) => {
        const bytes = Buffer.from(JSON.stringify(json));
        expect(jsonTextDepthExceeds(bytes, limit)).toBe(depthOf(json) > limit);
      }),
      { seed: 11, numRuns: 2_000 },
    );
  });

  it('finds 20,000 levels without recursion', () => {
    expect(jsonTextDepthExceeds(Buffer.from(`${'['.repeat(20_000)}${']'.repeat(20_000)}`))).toBe(true);
    expect(jsonTextDepthExceeds(Buffer.from(`${'{"a":'.repeat(32)}1${'}'.repeat(32)}`))).toBe(false);
  });
});
