import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsonTextShapeProblem } from '../../src/http/json-shape';

/** The nesting depth of a JSON value, and the most members one of its arrays or objects holds. */
function shapeOf(value: unknown): { depth: number; members: number } {
  if (value === null || typeof value !== 'object') return { depth: 0, members: 0 };
  const inner = Array.isArray(value) ? value : Object.values(value);
  return inner.map(shapeOf).reduce((a, b) => ({ depth: Math.max(a.depth, b.depth + 1), members: Math.max(a.members, b.members) }), { depth: 1, members: inner.length });
}

describe('jsonTextShapeProblem', () => {
  it('agrees with the parsed value, for any JSON (strings full of brackets, commas and escapes included)', () => {
    const text = fc.string({ unit: fc.constantFrom('[', ']', '{', '}', ',', '"', '\\', 'a', 'é', '😀') });
    const value = fc.letrec((tie) => ({
      node: fc.oneof({ depthSize: 'small' }, text, fc.integer(), fc.constant(null), fc.array(tie('node')), fc.dictionary(text, tie('node'))),
    })).node;
    fc.assert(
      fc.property(value, fc.integer({ min: 0, max: 6 }), fc.integer({ min: 1, max: 6 }), (json, maxDepth, maxMembers) => {
        const { depth, members } = shapeOf(json);
        const problem = jsonTextShapeProblem(Buffer.from(JSON.stringify(json)), maxDepth, maxMembers);
        if (depth > maxDepth) expect(problem).not.toBeNull();
        else expect(problem).toBe(members > maxMembers ? 'tooManyMembers' : null);
      }),
      { seed: 11, numRuns: 3_000 },
    );
  });

  it('finds 20,000 levels without recursion, and 50,000 members without parsing them', () => {
    expect(jsonTextShapeProblem(Buffer.from(`${'['.repeat(20_000)}${']'.repeat(20_000)}`))).toBe('tooDeep');
    expect(jsonTextShapeProblem(Buffer.from(`${'{"a":'.repeat(32)}1${'}'.repeat(32)}`))).toBeNull();
    expect(jsonTextShapeProblem(Buffer.from(JSON.stringify({ emails: Array.from({ length: 50_000 }, (_, i) => ({ value: `x${i}` })) })))).toBe('tooManyMembers');
    expect(jsonTextShapeProblem(Buffer.from(JSON.stringify({ members: Array.from({ length: 10_000 }, (_, i) => ({ value: `${i}` })) })))).toBeNull();
  });
});
