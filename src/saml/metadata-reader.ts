import { lookup as dnsLookup } from 'node:dns';
import { get as httpGet } from 'node:http';
import { get as httpsGet } from 'node:https';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { DomainError } from '../domain/shared/domain-error';
import type { IdpDescriptor, IdpMetadataReader } from '../domain/saml/idp-metadata';
import { childElement, childElements, descendants, NS, parseUntrustedXml } from './xml';

const REDIRECT_BINDING = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect';
const POST_BINDING = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST';
const MAX_METADATA_BYTES = 1_000_000;
/** The whole fetch (every redirect hop, connect, headers and body) ends by then: a slow drip is cut too. */
export const DEFAULT_METADATA_DEADLINE_MS = 10_000;

const badMetadata = (message: string) => new DomainError('BAD_USER_INPUT', `IdP metadata: ${message}`, { argument: 'input' });

/** Reads SAML 2.0 federation metadata (Entra's App Federation Metadata and any standard IdP's). */
export class SamlMetadataReader implements IdpMetadataReader {
  parse(xml: string): IdpDescriptor {
    let document: Document;
    try {
      document = parseUntrustedXml(xml);
    } catch (error) {
      throw badMetadata((error as Error).message);
    }
    const root = document.documentElement;
    const entity =
      root.namespaceURI === NS.metadata && root.localName === 'EntityDescriptor'
        ? root
        : descendants(document, NS.metadata, 'EntityDescriptor').find((e) => childElement(e, NS.metadata, 'IDPSSODescriptor'));
    if (!entity) throw badMetadata('no EntityDescriptor');
    const entityId = entity.getAttribute('entityID')?.trim();
    if (!entityId) throw badMetadata('the EntityDescriptor has no entityID');
    const idp = childElement(entity, NS.metadata, 'IDPSSODescriptor');
    if (!idp) throw badMetadata('no IDPSSODescriptor: this is not an identity provider');

    const endpoint = (name: string) => {
      const services = childElements(idp, NS.metadata, name);
      const preferred = services.find((s) => s.getAttribute('Binding') === REDIRECT_BINDING) ?? services.find((s) => s.getAttribute('Binding') === POST_BINDING);
      return preferred?.getAttribute('Location')?.trim() || null;
    };
    const ssoUrl = endpoint('SingleSignOnService');
    if (!ssoUrl) throw badMetadata('no SingleSignOnService with the HTTP-Redirect or HTTP-POST binding');

    // Signing keys: KeyDescriptors marked use="signing" or unmarked (usable for both).
    const certificates = childElements(idp, NS.metadata, 'KeyDescriptor')
      .filter((k) => {
        const use = k.getAttribute('use'); // xmldom answers '' for a missing attribute
        return !use || use === 'signing';
      })
      .flatMap((k) => descendants(k, NS.dsig, 'X509Certificate'))
      .map((c) => (c.textContent ?? '').replace(/\s+/g, ''))
      .filter(Boolean);
    if (certificates.length === 0) throw badMetadata('no signing certificate in the IDPSSODescriptor');
    return { entityId, ssoUrl, sloUrl: endpoint('SingleLogoutService'), certificates: [...new Set(certificates)] };
  }

  /**
   * @param allowInsecure also fetch over plain http and from private, loopback and link-local addresses
   *   (development and tests only: in production that is a server-side request forgery and a way to swap the
   *   trusted certificates on the network).
   * @param deadlineMs the total time one fetch may take, redirects included.
   */
  constructor(
    private readonly allowInsecure = false,
    private readonly deadlineMs = DEFAULT_METADATA_DEADLINE_MS,
  ) {}

  async fetch(url: string): Promise<{ xml: string; descriptor: IdpDescriptor }> {
    let target = new URL(url);
    const deadline = { endsAt: Date.now() + this.deadlineMs, totalMs: this.deadlineMs };
    for (let hop = 0; ; hop += 1) {
      if (target.protocol !== 'https:' && !(this.allowInsecure && target.protocol === 'http:')) {
        throw badMetadata('the metadata URL must use https');
      }
      const answer = await getOnce(target, this.allowInsecure, deadline);
      if (answer.status >= 300 && answer.status < 400 && answer.location && hop < MAX_REDIRECTS) {
        target = new URL(answer.location, target); // each hop is checked again
        continue;
      }
      if (answer.status !== 200) throw badMetadata(`fetching the metadata URL answered HTTP ${answer.status}`);
      return { xml: answer.body, descriptor: this.parse(answer.body) };
    }
  }
}

const MAX_REDIRECTS = 3;

/** Addresses a metadata fetch must never reach unless insecure fetching is allowed. */
const PRIVATE_ADDRESSES = (() => {
  const list = new BlockList();
  const ipv4 = [
    ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
    ['192.168.0.0', 16],
    // Benchmarking (RFC 2544): inside some networks it routes to internal equipment.
    ['198.18.0.0', 15],
    ['224.0.0.0', 4], ['240.0.0.0', 4],
  ] as const;
  for (const [network, prefix] of ipv4) list.addSubnet(network, prefix, 'ipv4');
  const ipv6 = [
    ['::', 127], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8],
    // NAT64 (RFC 6052, RFC 8215): a gateway turns these into the IPv4 address they embed, private ones included.
    ['64:ff9b::', 96], ['64:ff9b:1::', 48],
  ] as const;
  for (const [network, prefix] of ipv6) list.addSubnet(network, prefix, 'ipv6');
  return list;
})();

/** Whether a metadata fetch must refuse `address` (family 4 or 6) unless insecure fetching is allowed. */
export function isPrivate(address: string, family: number): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return PRIVATE_ADDRESSES.check(mapped[1], 'ipv4');
  return PRIVATE_ADDRESSES.check(address, family === 6 ? 'ipv6' : 'ipv4');
}

/** One GET, no redirects followed; the resolved address is checked at connect time (no DNS rebinding). */
function getOnce(
  target: URL,
  allowInsecure: boolean,
  deadline: { endsAt: number; totalMs: number },
): Promise<{ status: number; location?: string; body: string }> {
  const checkedLookup: LookupFunction = (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: false }, (error, address, family) => {
      if (error) return callback(error, '', 0);
      if (!allowInsecure && isPrivate(String(address), Number(family))) {
        return callback(Object.assign(new Error('private address'), { code: 'PRIVATE_ADDRESS' }), '', 0);
      }
      callback(null, String(address), Number(family));
    });
  };
  const get = target.protocol === 'https:' ? httpsGet : httpGet;
  // An address written in the URL is never looked up, so it is checked here.
  const literal = target.hostname.replace(/^\[|\]$/g, '');
  if (!allowInsecure && isIP(literal) && isPrivate(literal, isIP(literal))) {
    return Promise.reject(badMetadata('the metadata URL points to a private or local address'));
  }
  const timeoutMessage = `the metadata URL did not answer within ${deadline.totalMs / 1000} s`;
  const remainingMs = deadline.endsAt - Date.now();
  if (remainingMs <= 0) return Promise.reject(badMetadata(timeoutMessage));
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (finish: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      finish();
    };
    const fail = (error: DomainError) => settle(() => reject(error));
    const request = get(target, { lookup: checkedLookup, timeout: remainingMs, headers: { accept: 'application/samlmetadata+xml, application/xml, text/xml' } }, (response) => {
      const status = response.statusCode ?? 0;
      if (status !== 200) {
        response.resume();
        settle(() => resolve({ status, location: response.headers.location, body: '' }));
        return;
      }
      const declared = Number(response.headers['content-length'] ?? 0);
      if (declared > MAX_METADATA_BYTES) {
        response.destroy();
        fail(badMetadata(`the document is larger than ${MAX_METADATA_BYTES} bytes`));
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_METADATA_BYTES) {
          response.destroy();
          fail(badMetadata(`the document is larger than ${MAX_METADATA_BYTES} bytes`));
          return;
        }
        chunks.push(chunk);
      });
      response.on('end', () => settle(() => resolve({ status, body: Buffer.concat(chunks).toString('utf8') })));
      response.on('error', () => fail(badMetadata('the metadata URL could not be fetched')));
    });
    // The socket's idle timeout alone lets a server that sends a byte now and then hold a fetch for ever.
    const timer = setTimeout(() => {
      fail(badMetadata(timeoutMessage));
      request.destroy();
    }, remainingMs);
    request.on('timeout', () => request.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })));
    request.on('error', (error: NodeJS.ErrnoException) => {
      // One message for every network failure: the error must not map the inside of the network.
      fail(
        badMetadata(
          error.code === 'PRIVATE_ADDRESS'
            ? 'the metadata URL points to a private or local address'
            : error.code === 'TIMEOUT'
              ? timeoutMessage
              : 'the metadata URL could not be fetched',
        ),
      );
    });
  });
}
