import type { SamlRuntimeConnection } from '../domain/saml/saml.service';
import type { VerifiedAssertion } from '../domain/sessions/sign-in.service';
import type { SamlSpUrls } from '../config/urls';
import { CLOCK_SKEW_MS, validatingServiceProvider } from './service-provider';
import { signedAssertionRoot, signedAttribute, signedChild, signedChildren, signedPlainText, signedText, type SignedElement } from './signed-assertion';
import { childElements, descendants, NS, parseUntrustedXml, plainText } from './xml';

/** Larger than any real Entra response (a few kB, more with many group claims), small enough to parse safely. */
export const MAX_SAML_RESPONSE_BYTES = 256 * 1024;

const CLAIMS = {
  objectId: 'http://schemas.microsoft.com/identity/claims/objectidentifier',
  email: 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress',
  givenName: 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname',
  familyName: 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname',
  displayName: 'http://schemas.microsoft.com/identity/claims/displayname',
} as const;

/**
 * A response refused before it reached the domain; the message says why (it goes into SIGN_IN_FAILED).
 * `verified`: refused after its signature was found good (so the IdP really sent it), not before.
 */
export class SamlRejection extends Error {
  constructor(
    message: string,
    readonly verified = false,
  ) {
    super(message);
  }
}

/**
 * Validates a POSTed SAMLResponse for one tenant. node-saml checks the signature against the pinned
 * certificates (returning only the XML the signature covers), the one-assertion rule, the validity window
 * and the audience; then Portico checks, on that signed assertion, what node-saml does not: the issuer, the
 * Response's Destination, the Recipient, InResponseTo consistency, and a NameID free of comments.
 * InResponseTo being known and the assertion id being new are checked by the domain, in PostgreSQL.
 */
export async function validateSamlResponse(samlResponse: string, connection: SamlRuntimeConnection, urls: SamlSpUrls): Promise<VerifiedAssertion> {
  const response = readPostedXml(samlResponse);
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

  let assertion: SignedElement | null;
  try {
    const { profile } = await validatingServiceProvider(connection, urls).validatePostResponseAsync({ SAMLResponse: samlResponse });
    assertion = signedAssertionRoot(profile?.getAssertion?.());
    if (!assertion) throw new Error('No assertion');
  } catch (error) {
    throw new SamlRejection(`Invalid response: ${(error as Error).message}`);
  }

  // From here on, read only the signed assertion (never the unsigned envelope), except for Destination. node-saml
  // parsed the XML its signature covers already: it is read as node-saml parsed it, not parsed once more.
  const issuer = signedChild(assertion, 'Issuer');
  let issuerValue: string;
  try {
    issuerValue = issuer ? signedPlainText(issuer, 'Issuer') : '';
  } catch (error) {
    throw new SamlRejectionAfterSignature(`Issuer refused: ${(error as Error).message}`);
  }
  if (issuerValue !== connection.idpEntityId) throw new SamlRejectionAfterSignature(`Wrong issuer "${issuerValue}"; this tenant trusts "${connection.idpEntityId}"`);

  const destination = response.getAttribute('Destination');
  if (destination && destination !== urls.acsUrl) throw new SamlRejectionAfterSignature(`Wrong Destination "${destination}"; expected ${urls.acsUrl}`);

  const subject = signedChild(assertion, 'Subject');
  const nameIdElement = signedChild(subject, 'NameID');
  if (!nameIdElement) throw new SamlRejectionAfterSignature('The assertion names no subject (NameID)');
  let nameId: string;
  try {
    nameId = signedPlainText(nameIdElement, 'NameID');
  } catch (error) {
    throw new SamlRejectionAfterSignature(`NameID refused: ${(error as Error).message}`);
  }
  if (!nameId) throw new SamlRejectionAfterSignature('The NameID is empty');

  const bearer = signedChildren(subject, 'SubjectConfirmation')
    .filter((c) => signedAttribute(c, 'Method') === 'urn:oasis:names:tc:SAML:2.0:cm:bearer')
    .map((c) => signedChild(c, 'SubjectConfirmationData'))
    .find((d): d is SignedElement => d !== null);
  if (!bearer) throw new SamlRejectionAfterSignature('No bearer SubjectConfirmationData');
  const recipient = signedAttribute(bearer, 'Recipient');
  if (recipient !== urls.acsUrl) throw new SamlRejectionAfterSignature(`Wrong Recipient "${recipient ?? ''}"; expected ${urls.acsUrl}`);
  // The bearer window says how long the response may be posted (Entra: 5 minutes); node-saml checks it only
  // together with InResponseTo, which Portico checks itself.
  const now = Date.now();
  const bearerEnd = Date.parse(signedAttribute(bearer, 'NotOnOrAfter') ?? '');
  if (Number.isNaN(bearerEnd)) throw new SamlRejectionAfterSignature('SubjectConfirmationData has no valid NotOnOrAfter');
  if (now - CLOCK_SKEW_MS >= bearerEnd) throw new SamlRejectionAfterSignature('The response has expired (SubjectConfirmationData NotOnOrAfter)');
  const bearerStart = Date.parse(signedAttribute(bearer, 'NotBefore') ?? '');
  if (!Number.isNaN(bearerStart) && now + CLOCK_SKEW_MS < bearerStart) throw new SamlRejectionAfterSignature('The response is not yet valid (SubjectConfirmationData NotBefore)');

  // The signed InResponseTo decides; an unsigned envelope claiming another request is an alteration.
  const inResponseTo = signedAttribute(bearer, 'InResponseTo') || null;
  const envelopeInResponseTo = response.getAttribute('InResponseTo') || null;
  if (envelopeInResponseTo !== null && envelopeInResponseTo !== inResponseTo) {
    throw new SamlRejectionAfterSignature('The Response and its assertion answer different requests (InResponseTo)');
  }

  const assertionId = signedAttribute(assertion, 'ID');
  if (!assertionId) throw new SamlRejectionAfterSignature('The assertion has no ID');
  const conditionsEnd = Date.parse(signedAttribute(signedChild(assertion, 'Conditions'), 'NotOnOrAfter') ?? '');

  const claims = attributes(assertion);
  return {
    assertionId,
    // Remembered for as long as any part of it could still be accepted.
    notOnOrAfter: new Date(Math.max(bearerEnd, Number.isNaN(conditionsEnd) ? bearerEnd : conditionsEnd) + CLOCK_SKEW_MS),
    inResponseTo,
    nameId,
    nameIdFormat: signedAttribute(nameIdElement, 'Format') || null,
    sessionIndex: signedAttribute(signedChild(assertion, 'AuthnStatement'), 'SessionIndex') || null,
    objectId: claims.get(CLAIMS.objectId) ?? null,
    profile: {
      email: claims.get(CLAIMS.email),
      givenName: claims.get(CLAIMS.givenName),
      familyName: claims.get(CLAIMS.familyName),
      displayName: claims.get(CLAIMS.displayName),
    },
  };
}

/** A rejection of a response whose signature was good: the IdP sent it, for someone else or too late. */
class SamlRejectionAfterSignature extends SamlRejection {
  constructor(message: string) {
    super(message, true);
  }
}

const MAX_ELEMENTS = 5_000;
const MAX_CHILDREN = 500;
const MAX_DEPTH = 64;

/** Why the document's shape is refused (too many elements, children or levels), or null. */
function oversizedShape(root: Element): string | null {
  let elements = 0;
  const stack: { element: Element; depth: number }[] = [{ element: root, depth: 1 }];
  while (stack.length > 0) {
    const { element, depth } = stack.pop()!;
    if (depth > MAX_DEPTH) return `The response nests deeper than ${MAX_DEPTH} levels`;
    let children = 0;
    for (let node = element.firstChild; node; node = node.nextSibling) {
      if (node.nodeType !== 1) continue;
      children += 1;
      elements += 1;
      if (children > MAX_CHILDREN) return `An element of the response has more than ${MAX_CHILDREN} children`;
      if (elements > MAX_ELEMENTS) return `The response has more than ${MAX_ELEMENTS} elements`;
      stack.push({ element: node as Element, depth: depth + 1 });
    }
  }
  return null;
}

/**
 * The root element of a SAML message posted as base64 (a SAMLResponse, an IdP's SAMLRequest), after the checks
 * every such message passes before node-saml reads it: at most MAX_SAML_RESPONSE_BYTES, base64, XML without a
 * DTD, and a bounded shape (node-saml's XPath queries cost the square of an element's child count: a flat
 * 200 kB message would hold the process for minutes; no real message comes near these bounds).
 */
export function readPostedXml(base64: string): Element {
  if (base64.length > Math.ceil((MAX_SAML_RESPONSE_BYTES * 4) / 3) + 4) {
    throw new SamlRejection(`The message is larger than ${MAX_SAML_RESPONSE_BYTES} bytes`);
  }
  if (!/^[A-Za-z0-9+/=\s]+$/.test(base64)) throw new SamlRejection('The message is not base64');
  let root: Element;
  try {
    root = parseUntrustedXml(Buffer.from(base64, 'base64').toString('utf8')).documentElement;
  } catch (error) {
    throw new SamlRejection((error as Error).message);
  }
  const shapeProblem = oversizedShape(root);
  if (shapeProblem) throw new SamlRejection(shapeProblem);
  return root;
}

/** First value of each attribute of the assertion's own AttributeStatements (not of any Advice inside it). */
function attributes(assertion: SignedElement): Map<string, string> {
  const values = new Map<string, string>();
  for (const statement of signedChildren(assertion, 'AttributeStatement')) {
    for (const attribute of signedChildren(statement, 'Attribute')) {
      const name = signedAttribute(attribute, 'Name');
      const value = signedChild(attribute, 'AttributeValue');
      if (name && value !== null && !values.has(name)) values.set(name, signedText(value));
    }
  }
  return values;
}
