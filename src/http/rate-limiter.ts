import { LRUCache } from 'lru-cache';

/** Keys a limiter remembers at most: a flood of new keys (addresses, tokens) evicts the idlest, never grows memory. */
const DEFAULT_MAX_KEYS = 50_000;

/**
 * A token bucket per key (a SCIM credential, a client address). Per process: with several processes each
 * allows the rate, which bounds a burst without a shared store; the point is to answer 429 with Retry-After,
 * never a 5xx.
 */
export class RateLimiter {
  private readonly buckets: LRUCache<string, { tokens: number; updatedAt: number }>;

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    private readonly now: () => number = () => Date.now(),
    maxKeys = DEFAULT_MAX_KEYS,
  ) {
    this.buckets = new LRUCache({ max: maxKeys });
  }

  /** Takes one request from `key`'s bucket; returns the seconds to wait when it is empty. */
  take(key: string): { allowed: true } | { allowed: false; retryAfterSeconds: number } {
    if (this.perSecond <= 0) return { allowed: true };
    const now = this.now();
    const bucket = this.buckets.get(key) ?? { tokens: this.burst, updatedAt: now };
    bucket.tokens = Math.min(this.burst, bucket.tokens + ((now - bucket.updatedAt) / 1000) * this.perSecond);
    bucket.updatedAt = now;
    this.buckets.set(key, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { allowed: true };
    }
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / this.perSecond)) };
  }
}

/**
 * The rate-limit key of a client address: the address itself for IPv4, its /64 for IPv6 (one subscriber
 * commonly holds a whole /64, so single addresses would be free to rotate).
 */
export function clientAddressKey(address: string | undefined): string {
  if (!address) return 'unknown';
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return mapped[1];
  if (!address.includes(':')) return address;
  const [head, tail = ''] = address.split('::');
  const headGroups = head ? head.split(':') : [];
  const tailGroups = tail ? tail.split(':') : [];
  const groups = address.includes('::')
    ? [...headGroups, ...Array<string>(Math.max(0, 8 - headGroups.length - tailGroups.length)).fill('0'), ...tailGroups]
    : headGroups;
  return `${groups
    .slice(0, 4)
    .map((g) => (parseInt(g, 16) || 0).toString(16))
    .join(':')}::/64`;
}
