import type { SamlRuntimeConnection } from '../domain/saml/saml.service';
import type { VerifiedAssertion } from '../domain/sessions/sign-in.service';
import type { SamlSpUrls } from '../config/urls';
import { CLOCK_SKEW_MS, serviceProvider } from './service-provider';
import { childElement, childElements, descendants, NS, parseUntrustedXml, plainText } from './xml';

/** Larger than any real Entra response (a few kB, more with many group claims), small enough to parse safely. */
export const MAX_SAML_RESPONSE_BYTES = 256 * 1024;

const CLAIMS = {
  objectId: 'http://schemas.microsoft.com/identity/claims/objectidentifier',
  email: 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress',
  givenName: 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname',
  familyName: 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname',
  displayName: 'http://schemas.microsoft.com/identity/claims/displayname',
} as const;

/** A response refused before it reached the domain; the message says why (it goes into SIGN_IN_FAILED). */
export class SamlRejection extends Error {}

/**
 * Validates a POSTed SAMLResponse for one tenant. node-saml checks the signature against the pinned
 * certificates (returning only the XML the signature covers), the one-assertion rule, the validity window
 * and the audience; then Portico checks, on that signed assertion, what node-saml does not: the issuer, the
 * Response's Destination, the Recipient, InResponseTo consistency, and a NameID free of comments.
 * InResponseTo being known and the assertion id being new are checked by the domain, in PostgreSQL.
 */
export async function validateSamlResponse(samlResponse: string, connection: SamlRuntimeConnection, urls: SamlSpUrls): Promise<VerifiedAssertion> {
  const xml = decode(samlResponse);
  let response: Element;
  try {
    response = parseUntrustedXml(xml).documentElement;
  } catch (error) {
    throw new SamlRejection((error as Error).message);
  }
  if (response.namespaceURI !== NS.protocol || response.localName !== 'Response') throw new SamlRejection('Not a SAML Response');
  if (childElements(response, NS.assertion, 'Assertion').length + childElements(response, NS.assertion, 'EncryptedAssertion').length !== 1) {
    throw new SamlRejection('A response must carry exactly one assertion');
  }

  // The signed content node-saml hands back is canonical, comments dropped; the posted text still shows an
  // attempt to split a NameID (a parser reading the first text node would see another user), so refuse it.
  for (const element of descendants(response, NS.assertion, 'NameID')) {
    try {
      plainText(element);
    } catch (error) {
      throw new SamlRejection(`NameID refused: ${(error as Error).message}`);
    }
  }

  let assertionXml: string;
  try {
    const { profile } = await serviceProvider(connection, urls).validatePostResponseAsync({ SAMLResponse: samlResponse });
    if (!profile?.getAssertionXml) throw new Error('No assertion');
    assertionXml = profile.getAssertionXml();
  } catch (error) {
    throw new SamlRejection(`Invalid response: ${(error as Error).message}`);
  }

  // From here on, read only the signed assertion (never the unsigned envelope), except for Destination.
  const assertion = parseUntrustedXml(assertionXml).documentElement;
  const issuer = childElement(assertion, NS.assertion, 'Issuer');
  const issuerValue = issuer ? plainText(issuer) : '';
  if (issuerValue !== connection.idpEntityId) throw new SamlRejection(`Wrong issuer "${issuerValue}"; this tenant trusts "${connection.idpEntityId}"`);

  const destination = response.getAttribute('Destination');
  if (destination && destination !== urls.acsUrl) throw new SamlRejection(`Wrong Destination "${destination}"; expected ${urls.acsUrl}`);

  const subject = childElement(assertion, NS.assertion, 'Subject');
  const nameIdElement = subject && childElement(subject, NS.assertion, 'NameID');
  if (!nameIdElement) throw new SamlRejection('The assertion names no subject (NameID)');
  let nameId: string;
  try {
    nameId = plainText(nameIdElement);
  } catch (error) {
    throw new SamlRejection(`NameID refused: ${(error as Error).message}`);
  }
  if (!nameId) throw new SamlRejection('The NameID is empty');

  const bearer = childElements(subject, NS.assertion, 'SubjectConfirmation')
    .filter((c) => c.getAttribute('Method') === 'urn:oasis:names:tc:SAML:2.0:cm:bearer')
    .map((c) => childElement(c, NS.assertion, 'SubjectConfirmationData'))
    .find((d): d is Element => d !== null);
  if (!bearer) throw new SamlRejection('No bearer SubjectConfirmationData');
  const recipient = bearer.getAttribute('Recipient');
  if (recipient !== urls.acsUrl) throw new SamlRejection(`Wrong Recipient "${recipient ?? ''}"; expected ${urls.acsUrl}`);

  // The signed InResponseTo decides; an unsigned envelope claiming another request is an alteration.
  const inResponseTo = bearer.getAttribute('InResponseTo') || null;
  const envelopeInResponseTo = response.getAttribute('InResponseTo') || null;
  if (envelopeInResponseTo !== null && envelopeInResponseTo !== inResponseTo) {
    throw new SamlRejection('The Response and its assertion answer different requests (InResponseTo)');
  }

  const assertionId = assertion.getAttribute('ID');
  if (!assertionId) throw new SamlRejection('The assertion has no ID');
  const conditions = childElement(assertion, NS.assertion, 'Conditions');
  const ends = [conditions?.getAttribute('NotOnOrAfter'), bearer.getAttribute('NotOnOrAfter')]
    .filter((v): v is string => Boolean(v))
    .map((v) => Date.parse(v))
    .filter((v) => !Number.isNaN(v));
  if (ends.length === 0) throw new SamlRejection('The assertion has no NotOnOrAfter');

  const statement = childElement(assertion, NS.assertion, 'AuthnStatement');
  const claims = attributes(assertion);
  return {
    assertionId,
    notOnOrAfter: new Date(Math.min(...ends) + CLOCK_SKEW_MS),
    inResponseTo,
    nameId,
    sessionIndex: statement?.getAttribute('SessionIndex') || null,
    objectId: claims.get(CLAIMS.objectId) ?? null,
    profile: {
      email: claims.get(CLAIMS.email),
      givenName: claims.get(CLAIMS.givenName),
      familyName: claims.get(CLAIMS.familyName),
      displayName: claims.get(CLAIMS.displayName),
    },
  };
}

function decode(samlResponse: string): string {
  if (samlResponse.length > Math.ceil((MAX_SAML_RESPONSE_BYTES * 4) / 3) + 4) {
    throw new SamlRejection(`The response is larger than ${MAX_SAML_RESPONSE_BYTES} bytes`);
  }
  if (!/^[A-Za-z0-9+/=\s]+$/.test(samlResponse)) throw new SamlRejection('SAMLResponse is not base64');
  return Buffer.from(samlResponse, 'base64').toString('utf8');
}

/** First value of each attribute of the assertion's AttributeStatements. */
function attributes(assertion: Element): Map<string, string> {
  const values = new Map<string, string>();
  for (const attribute of descendants(assertion, NS.assertion, 'Attribute')) {
    const name = attribute.getAttribute('Name');
    const value = childElement(attribute, NS.assertion, 'AttributeValue');
    if (name && value && !values.has(name)) values.set(name, (value.textContent ?? '').trim());
  }
  return values;
}
