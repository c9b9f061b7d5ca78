import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cloneJson, type Json } from '../../src/scim/values';

/** Every object and array inside `value`, to check that a copy shares none of them. */
function containers(value: unknown, into = new Set<object>()): Set<object> {
  if (value !== null && typeof value === 'object') {
    into.add(value);
    for (const member of Object.values(value)) containers(member, into);
  }
  return into;
}

describe('cloneJson', () => {
  it('copies any JSON value as structuredClone does, sharing no object or array with it', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const copy = cloneJson(value as Json);
        expect(copy).toStrictEqual(structuredClone(value));
        const original = containers(value);
        for (const inner of containers(copy)) expect(original.has(inner)).toBe(false);
      }),
      { numRuns: 3000 },
    );
  });

  it('keeps a member named __proto__ a member, and leaves the copy an ordinary object', () => {
    const parsed = JSON.parse('{"a":1,"__proto__":{"polluted":true},"b":[{"__proto__":[1]}]}') as Json;
    const copy = cloneJson(parsed) as Record<string, unknown>;
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
    expect(Object.keys(copy)).toEqual(['a', '__proto__', 'b']);
    expect(JSON.stringify(copy)).toBe(JSON.stringify(parsed));
    expect((copy as { polluted?: unknown }).polluted).toBeUndefined();
    expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
  });
});
