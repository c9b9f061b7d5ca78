import type { SamlSpUrls } from '../config/urls';
import type { SamlRuntimeConnection } from '../domain/saml/saml.service';
import type { IdpLogoutRequest } from '../domain/sessions/sign-in.service';
import { CLOCK_SKEW_MS } from './service-provider';
import { childElement, NS, plainText } from './xml';

/** How long after its IssueInstant an IdP LogoutRequest is accepted (the browser brings it at once). */
export const LOGOUT_REQUEST_MAX_AGE_MS = 5 * 60 * 1000;
const MAX_REQUEST_ID_CHARS = 256;

/**
 * What Portico checks on an IdP LogoutRequest whose signature node-saml has verified (node-saml checks
 * neither the issuer nor the Destination, and keeps no memory of ids): the Issuer is the tenant's IdP, the
 * Destination is this tenant's logout URL, the IssueInstant is recent. Returns the id to remember (the
 * domain refuses a second use of it) and until when. Throws an Error saying what is wrong.
 *
 * @param request the root element of the signed LogoutRequest (every part of it is covered by the signature)
 */
export function checkIdpLogoutRequest(request: Element, connection: SamlRuntimeConnection, urls: SamlSpUrls, now = Date.now()): IdpLogoutRequest {
  if (request.namespaceURI !== NS.protocol || request.localName !== 'LogoutRequest') throw new Error('Not a LogoutRequest');
  const issuerElement = childElement(request, NS.assertion, 'Issuer');
  const issuer = issuerElement ? plainText(issuerElement) : '';
  if (issuer !== connection.idpEntityId) throw new Error(`Wrong issuer "${issuer.slice(0, 200)}"; this tenant trusts "${connection.idpEntityId}"`);

  const destination = request.getAttribute('Destination') ?? '';
  if (destination !== urls.logoutUrl) throw new Error(`Wrong Destination "${destination.slice(0, 200)}"; expected ${urls.logoutUrl}`);

  const issuedAt = Date.parse(request.getAttribute('IssueInstant') ?? '');
  if (Number.isNaN(issuedAt)) throw new Error('The IssueInstant is missing or not a time');
  if (issuedAt > now + CLOCK_SKEW_MS) throw new Error('The IssueInstant is in the future');
  if (issuedAt < now - LOGOUT_REQUEST_MAX_AGE_MS - CLOCK_SKEW_MS) throw new Error('The IssueInstant is too old: the request has expired');

  const id = request.getAttribute('ID') ?? '';
  if (!id || id.length > MAX_REQUEST_ID_CHARS) throw new Error('The request has no usable ID');
  // After this it is refused by its IssueInstant anyway: no need to remember it longer.
  return { id, rememberUntil: new Date(issuedAt + LOGOUT_REQUEST_MAX_AGE_MS + CLOCK_SKEW_MS) };
}
