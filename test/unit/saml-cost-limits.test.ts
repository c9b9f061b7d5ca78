import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/config';
import { clientAddressKey, RateLimiter } from '../../src/http/rate-limiter';

describe('SAML cost limits: configuration', () => {
  it('defaults: 10 SAML requests a second per address with a burst of 50; a 10 s metadata deadline', () => {
    const config = loadConfig({});
    expect(config.samlRateLimit).toEqual({ perSecond: 10, burst: 50 });
    expect(config.samlMetadataTimeoutMs).toBe(10_000);
  });

  it('reads the variables, and names a bad one', () => {
    const config = loadConfig({ PORTICO_SAML_RATE_PER_SECOND: '0', PORTICO_SAML_RATE_BURST: '5', PORTICO_SAML_METADATA_TIMEOUT_SECONDS: '2.5' });
    expect(config.samlRateLimit).toEqual({ perSecond: 0, burst: 5 });
    expect(config.samlMetadataTimeoutMs).toBe(2_500);
    for (const [name, value] of [
      ['PORTICO_SAML_RATE_PER_SECOND', '-1'],
      ['PORTICO_SAML_RATE_BURST', '0'],
      ['PORTICO_SAML_METADATA_TIMEOUT_SECONDS', 'soon'],
    ]) {
      expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
      expect(() => loadConfig({ [name]: value })).toThrow(name);
    }
  });
});

describe('rate limiter', () => {
  it('keys an IPv6 client by its /64 and an IPv4 (or IPv4-mapped) client by its address', () => {
    expect(clientAddressKey('2001:db8:1:2::1')).toBe(clientAddressKey('2001:0db8:0001:0002:ffff:1:2:3'));
    expect(clientAddressKey('2001:db8:1:2::1')).not.toBe(clientAddressKey('2001:db8:1:3::1'));
    expect(clientAddressKey('::ffff:203.0.113.9')).toBe('203.0.113.9');
    expect(clientAddressKey('203.0.113.9')).toBe('203.0.113.9');
    expect(clientAddressKey(undefined)).toBe('unknown');
  });

  it('remembers at most maxKeys keys: a flood of new keys evicts the idlest instead of growing', () => {
    let now = 0;
    const limiter = new RateLimiter(1, 1, () => now, 3);
    expect(limiter.take('a').allowed).toBe(true);
    expect(limiter.take('a').allowed).toBe(false);
    for (const key of ['b', 'c', 'd']) limiter.take(key);
    // 'a' was evicted: it starts again with a full bucket (memory stays bounded; that is the trade).
    expect(limiter.take('a').allowed).toBe(true);
    now += 1_000;
    expect(limiter.take('a').allowed).toBe(true);
  });
});
