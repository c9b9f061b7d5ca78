import { DomainError } from '../domain/shared/domain-error';
import type { IdpDescriptor, IdpMetadataReader } from '../domain/saml/idp-metadata';
import { childElement, childElements, descendants, NS, parseUntrustedXml } from './xml';

const REDIRECT_BINDING = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect';
const POST_BINDING = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST';
const MAX_METADATA_BYTES = 1_000_000;
const FETCH_TIMEOUT_MS = 10_000;

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
      .filter((k) => (k.getAttribute('use') ?? 'signing') === 'signing')
      .flatMap((k) => descendants(k, NS.dsig, 'X509Certificate'))
      .map((c) => (c.textContent ?? '').replace(/\s+/g, ''))
      .filter(Boolean);
    if (certificates.length === 0) throw badMetadata('no signing certificate in the IDPSSODescriptor');
    return { entityId, ssoUrl, sloUrl: endpoint('SingleLogoutService'), certificates: [...new Set(certificates)] };
  }

  async fetch(url: string): Promise<{ xml: string; descriptor: IdpDescriptor }> {
    let response: Response;
    try {
      response = await fetch(url, { redirect: 'follow', signal: AbortSignal.timeout(FETCH_TIMEOUT_MS), headers: { accept: 'application/samlmetadata+xml, application/xml, text/xml' } });
    } catch (error) {
      const reason = (error as Error).name === 'TimeoutError' ? `no answer within ${FETCH_TIMEOUT_MS / 1000} s` : 'the server could not be reached';
      throw badMetadata(`fetching ${url} failed: ${reason}`);
    }
    if (!response.ok) throw badMetadata(`fetching ${url} answered HTTP ${response.status}`);
    const declared = Number(response.headers.get('content-length') ?? 0);
    if (declared > MAX_METADATA_BYTES) throw badMetadata(`the document is larger than ${MAX_METADATA_BYTES} bytes`);
    const xml = await readLimited(response, MAX_METADATA_BYTES);
    return { xml, descriptor: this.parse(xml) };
  }
}

async function readLimited(response: Response, limit: number): Promise<string> {
  const reader = response.body?.getReader();
  if (!reader) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      throw badMetadata(`the document is larger than ${limit} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}
