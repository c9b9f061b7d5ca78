import { describe, expect, it } from 'vitest';
import { isPrivate, SamlMetadataReader } from '../../src/saml/metadata-reader';

/** Issue 11, finding 5: addresses a metadata fetch must never reach (server-side request forgery). */
describe('metadata fetch address check', () => {
  it('refuses NAT64 addresses (64:ff9b::/96 and the local-use 64:ff9b:1::/48), whatever IPv4 address they embed', () => {
    expect(isPrivate('64:ff9b::7f00:1', 6)).toBe(true); // 127.0.0.1 through the gateway
    expect(isPrivate('64:ff9b::a9fe:a9fe', 6)).toBe(true); // 169.254.169.254, the cloud metadata service
    expect(isPrivate('64:ff9b::808:808', 6)).toBe(true);
    expect(isPrivate('64:ff9b:1::a00:1', 6)).toBe(true);
  });

  it('refuses the benchmarking range 198.18.0.0/15, and only it', () => {
    expect(isPrivate('198.18.0.1', 4)).toBe(true);
    expect(isPrivate('198.19.255.254', 4)).toBe(true);
    expect(isPrivate('::ffff:198.18.3.4', 6)).toBe(true);
    expect(isPrivate('198.17.255.255', 4)).toBe(false);
    expect(isPrivate('198.20.0.1', 4)).toBe(false);
  });

  it('still allows public addresses', () => {
    expect(isPrivate('20.190.160.1', 4)).toBe(false); // login.microsoftonline.com's range
    expect(isPrivate('2603:1006:2000::1', 6)).toBe(false);
    expect(isPrivate('64:ff9c::1', 6)).toBe(false);
  });

  it('a metadata URL naming such an address is refused before any connection', async () => {
    const reader = new SamlMetadataReader();
    await expect(reader.fetch('https://[64:ff9b::7f00:1]/federationmetadata.xml')).rejects.toThrow(/private or local address/);
    await expect(reader.fetch('https://198.18.0.10/federationmetadata.xml')).rejects.toThrow(/private or local address/);
  });
});
