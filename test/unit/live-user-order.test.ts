import { describe, expect, it } from 'vitest';
import { FIRST_PAGE_KEY, KEY_STRIDE, LiveUserOrders, pageStart, RELEARN_SPACING_MS, type KnownOrder } from '../../src/domain/users/live-user-order';

const key = (n: number) => ({ createdAt: `2026-12-01 00:00:00.${String(n).padStart(6, '0')}+00`, id: `id-${n}` });
/** The keys of 350 users: those at positions 99, 199 and 299. */
const KEYS = [key(99), key(199), key(299)];

describe('where a page of live users starts', () => {
  it('walks from the first user for the first stride, or without keys', () => {
    expect(pageStart(0, KEYS)).toEqual({ after: FIRST_PAGE_KEY, skip: 0 });
    expect(pageStart(KEY_STRIDE - 1, KEYS)).toEqual({ after: FIRST_PAGE_KEY, skip: 99 });
    expect(pageStart(250, [])).toEqual({ after: FIRST_PAGE_KEY, skip: 250 });
  });

  it('starts after the last key at or before the offset', () => {
    expect(pageStart(100, KEYS)).toEqual({ after: key(99), skip: 0 });
    expect(pageStart(157, KEYS)).toEqual({ after: key(99), skip: 57 });
    expect(pageStart(200, KEYS)).toEqual({ after: key(199), skip: 0 });
    expect(pageStart(349, KEYS)).toEqual({ after: key(299), skip: 49 });
    // Past the last key: from it, skipping the rest (a page past the end is empty, as the walk's would be).
    expect(pageStart(1000, KEYS)).toEqual({ after: key(299), skip: 700 });
  });
});

describe("the tenants' orders a process remembers", () => {
  const order = (version: string): KnownOrder => ({ version, keys: KEYS });

  it('learns a tenant once for every page that asks at the same time', async () => {
    const orders = new LiveUserOrders();
    let walks = 0;
    let finish!: (o: KnownOrder) => void;
    const walk = () => {
      walks += 1;
      return new Promise<KnownOrder>((resolve) => (finish = resolve));
    };
    const asked = [orders.learn('t1', walk), orders.learn('t1', walk), orders.learn('t1', walk)];
    finish(order('7'));
    expect(await Promise.all(asked)).toEqual([order('7'), order('7'), order('7')]);
    expect(walks).toBe(1);
    expect(orders.get('t1')).toMatchObject(order('7'));
    expect(orders.get('t2')).toBeUndefined();
  });

  it('learns a changed tenant again at most once per RELEARN_SPACING_MS', async () => {
    let now = 1_000_000;
    const orders = new LiveUserOrders(() => now);
    expect(orders.mayRelearn('t1')).toBe(true);
    await orders.learn('t1', async () => order('1'));
    now += RELEARN_SPACING_MS - 1;
    expect(orders.mayRelearn('t1')).toBe(false);
    now += 1;
    expect(orders.mayRelearn('t1')).toBe(true);
    await orders.learn('t1', async () => order('2'));
    expect(orders.get('t1')?.version).toBe('2');
    expect(orders.mayRelearn('t1')).toBe(false);
  });

  it('forgets nothing of a failed walk, and walks again when asked next', async () => {
    const orders = new LiveUserOrders();
    await expect(orders.learn('t1', async () => Promise.reject(new Error('connection lost')))).rejects.toThrow('connection lost');
    expect(orders.get('t1')).toBeUndefined();
    expect(await orders.learn('t1', async () => order('3'))).toEqual(order('3'));
  });
});
