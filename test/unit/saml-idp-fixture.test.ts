import { X509Certificate, createPrivateKey, verify as cryptoVerify } from 'node:crypto';
import { inflateRawSync } from 'node:zlib';
import { SAML, ValidateInResponseTo } from '@node-saml/node-saml';
import { DOMParser } from '@xmldom/xmldom';
import { SignedXml } from 'xml-crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  RSA_SHA256,
  attacks,
  certificateBody,
  createCertificate,
  createTestIdp,
  encodeSamlResponse,
  federationMetadataXml,
  logoutRequestQuery,
  signInResponseXml,
  withNewCertificate,
  type SignInResponseOptions,
  type TestIdp,
} from '../fixtures/saml-idp';

const SAMLP = 'urn:oasis:names:tc:SAML:2.0:protocol';
const SAML_NS = 'urn:oasis:names:tc:SAML:2.0:assertion';
const DSIG = 'http://www.w3.org/2000/09/xmldsig#';
const ACS = 'https://portico.example/saml/acs';
const AUDIENCE = 'https://portico.example/saml/metadata';

/** Parses strictly: any xmldom warning or error fails the test, as a malformed fixture should. */
function parse(xml: string): Document {
  const problems: string[] = [];
  const doc = new DOMParser({
    errorHandler: { warning: (m) => problems.push(m), error: (m) => problems.push(m), fatalError: (m) => problems.push(m) },
  }).parseFromString(xml, 'text/xml');
  expect(problems).toEqual([]);
  return doc;
}

const elements = (node: Document | Element, ns: string, name: string) => Array.from(node.getElementsByTagNameNS(ns, name));
const childElements = (parent: Element) => Array.from(parent.childNodes).filter((n): n is Element => n.nodeType === 1);
/** The assertion's own NameID, not one of an assertion nested inside it. */
const nameIdOf = (assertion: Element) =>
  childElements(childElements(assertion).find((e) => e.localName === 'Subject')!).find((e) => e.localName === 'NameID')!.textContent;

/** Checks every signature in the document against `certificatePem` and returns what each one signed. */
function verifyAll(xml: string, certificatePem: string): { parent: string; referenceUri: string }[] {
  const doc = parse(xml);
  return elements(doc, DSIG, 'Signature').map((signature) => {
    // The certificate comes from us, never from KeyInfo: KeyInfo is the attacker's to choose.
    const sig = new SignedXml({ publicCert: certificatePem, getCertFromKeyInfo: () => null });
    sig.loadSignature(signature);
    expect(sig.checkSignature(xml)).toBe(true);
    const x509 = elements(signature, DSIG, 'X509Certificate').map((e) => e.textContent);
    expect(x509).toEqual([certificateBody(certificatePem)]);
    expect(elements(signature, DSIG, 'SignatureMethod')[0].getAttribute('Algorithm')).toBe(RSA_SHA256);
    expect(elements(signature, DSIG, 'Transform').map((t) => t.getAttribute('Algorithm'))).toEqual([
      'http://www.w3.org/2000/09/xmldsig#enveloped-signature',
      'http://www.w3.org/2001/10/xml-exc-c14n#',
    ]);
    const parent = signature.parentNode as Element;
    return { parent: parent.localName, referenceUri: elements(signature, DSIG, 'Reference')[0].getAttribute('URI') ?? '' };
  });
}

function sp(idp: TestIdp, overrides: Partial<ConstructorParameters<typeof SAML>[0]> = {}) {
  return new SAML({
    idpCert: idp.certificatePem,
    issuer: AUDIENCE,
    callbackUrl: ACS,
    audience: AUDIENCE,
    wantAuthnResponseSigned: false,
    wantAssertionsSigned: true,
    validateInResponseTo: ValidateInResponseTo.never,
    acceptedClockSkewMs: 0,
    ...overrides,
  });
}

const post = (saml: SAML, xml: string) => saml.validatePostResponseAsync({ SAMLResponse: encodeSamlResponse(xml) });

/** The error node-saml throws, or a failure if it accepts. */
async function rejection(saml: SAML, xml: string): Promise<string> {
  const result = await post(saml, xml).then(
    (r) => ({ accepted: r.profile?.nameID }),
    (e: Error) => ({ error: e.message }),
  );
  expect(result).toHaveProperty('error');
  return (result as { error: string }).error;
}

let idp: TestIdp;
let base: SignInResponseOptions;

beforeAll(() => {
  idp = createTestIdp({ tenantId: '72f988bf-86f1-41af-91ab-2d7cd011db47' });
  base = { acsUrl: ACS, audience: AUDIENCE, nameId: 'alice.smith@contoso.com', inResponseTo: '_req-1' };
});

describe('certificates and the IdP', () => {
  it('creates a self-signed certificate matching its PKCS#8 key', () => {
    const cert = createCertificate({ commonName: 'Test CN' });
    expect(cert.certificatePem).toMatch(/^-----BEGIN CERTIFICATE-----\r?\n/);
    expect(cert.privateKeyPem).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    const x509 = new X509Certificate(cert.certificatePem);
    expect(x509.subject).toBe('CN=Test CN');
    expect(x509.checkPrivateKey(createPrivateKey(cert.privateKeyPem))).toBe(true);
    expect(new Date(x509.validTo).getTime()).toBe(cert.notAfter.getTime());
    expect(cert.notAfter.getTime() - Date.now()).toBeGreaterThan(364 * 86_400_000);
    expect(x509.verify(x509.publicKey)).toBe(true);
  });

  it('creates already expired certificates for negative validDays', () => {
    const cert = createCertificate({ validDays: -2 });
    const x509 = new X509Certificate(cert.certificatePem);
    expect(cert.notAfter.getTime()).toBeLessThan(Date.now() - 86_400_000);
    expect(new Date(x509.validFrom).getTime()).toBeLessThan(cert.notAfter.getTime());
  });

  it('names the endpoints like Entra and rolls keys over in the same tenant', () => {
    expect(idp.entityId).toBe('https://sts.windows.net/72f988bf-86f1-41af-91ab-2d7cd011db47/');
    expect(idp.ssoUrl).toBe('https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/saml2');
    expect(idp.sloUrl).toBe(idp.ssoUrl);
    expect(createTestIdp().tenantId).toMatch(/^[0-9a-f-]{36}$/);
    const rolled = withNewCertificate(idp);
    expect({ ...rolled, certificatePem: '', privateKeyPem: '' }).toEqual({ ...idp, certificatePem: '', privateKeyPem: '' });
    expect(rolled.certificatePem).not.toBe(idp.certificatePem);
    expect(rolled.privateKeyPem).not.toBe(idp.privateKeyPem);
  });
});

describe('federationMetadataXml', () => {
  it('lists every certificate and both bindings, signed by the active key', () => {
    const next = withNewCertificate(idp);
    const xml = federationMetadataXml(idp, [idp.certificatePem, next.certificatePem]);
    expect(xml.startsWith('<?xml version="1.0" encoding="utf-8"?><EntityDescriptor')).toBe(true);
    const md = 'urn:oasis:names:tc:SAML:2.0:metadata';
    const root = parse(xml).documentElement!;
    expect(root.getAttribute('entityID')).toBe(idp.entityId);
    expect(root.getAttribute('ID')).toMatch(/^_[0-9a-f-]{36}$/);
    expect(verifyAll(xml, idp.certificatePem)).toEqual([{ parent: 'EntityDescriptor', referenceUri: `#${root.getAttribute('ID')}` }]);
    expect(childElements(root)[0].localName).toBe('Signature');
    const [sso] = elements(root, md, 'IDPSSODescriptor');
    const keys = elements(sso, md, 'KeyDescriptor');
    expect(keys.map((k) => k.getAttribute('use'))).toEqual(['signing', 'signing']);
    expect(keys.map((k) => elements(k, DSIG, 'X509Certificate')[0].textContent)).toEqual([
      certificateBody(idp.certificatePem),
      certificateBody(next.certificatePem),
    ]);
    const endpoints = (name: string) => elements(sso, md, name).map((e) => [e.getAttribute('Binding')?.split(':').pop(), e.getAttribute('Location')]);
    expect(endpoints('SingleSignOnService')).toEqual([['HTTP-Redirect', idp.ssoUrl], ['HTTP-POST', idp.ssoUrl]]);
    expect(endpoints('SingleLogoutService')).toEqual([['HTTP-Redirect', idp.sloUrl], ['HTTP-POST', idp.sloUrl]]);
  });
});

describe('signInResponseXml', () => {
  it("has Entra's shape, assertion signed after its Issuer", () => {
    const now = new Date('2030-01-01T10:00:00.000Z');
    const xml = signInResponseXml(idp, { ...base, now, assertionId: '_a1', responseId: '_r1', objectId: 'oid-1', claims: { 'urn:x:groups': ['g1', 'g2'] } });
    const response = parse(xml).documentElement!;
    expect(response.namespaceURI).toBe(SAMLP);
    expect(response.getAttribute('Destination')).toBe(ACS);
    expect(response.getAttribute('InResponseTo')).toBe('_req-1');
    expect(childElements(response).map((e) => e.localName)).toEqual(['Issuer', 'Status', 'Assertion']);
    expect(elements(response, SAMLP, 'StatusCode')[0].getAttribute('Value')).toBe('urn:oasis:names:tc:SAML:2.0:status:Success');
    const [assertion] = elements(response, SAML_NS, 'Assertion');
    expect(childElements(assertion).map((e) => e.localName)).toEqual(['Issuer', 'Signature', 'Subject', 'Conditions', 'AttributeStatement', 'AuthnStatement']);
    expect(elements(assertion, SAML_NS, 'Issuer')[0].textContent).toBe(idp.entityId);
    expect(elements(assertion, SAML_NS, 'NameID')[0].getAttribute('Format')).toBe('urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress');
    const scd = elements(assertion, SAML_NS, 'SubjectConfirmationData')[0];
    // Entra: the response may be posted for 5 minutes; the assertion's conditions last 70.
    expect([scd.getAttribute('InResponseTo'), scd.getAttribute('Recipient'), scd.getAttribute('NotOnOrAfter')]).toEqual(['_req-1', ACS, '2030-01-01T10:05:00.000Z']);
    const conditions = elements(assertion, SAML_NS, 'Conditions')[0];
    expect(conditions.getAttribute('NotBefore')).toBe('2030-01-01T09:55:00.000Z');
    expect(elements(conditions, SAML_NS, 'Audience')[0].textContent).toBe(AUDIENCE);
    const attributes = Object.fromEntries(
      elements(assertion, SAML_NS, 'Attribute').map((a) => [a.getAttribute('Name'), elements(a, SAML_NS, 'AttributeValue').map((v) => v.textContent)]),
    );
    expect(attributes).toMatchObject({
      'http://schemas.microsoft.com/identity/claims/tenantid': [idp.tenantId],
      'http://schemas.microsoft.com/identity/claims/objectidentifier': ['oid-1'],
      'http://schemas.microsoft.com/identity/claims/displayname': ['Alice Smith'],
      'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name': ['alice.smith@contoso.com'],
      'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress': ['alice.smith@contoso.com'],
      'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname': ['Alice'],
      'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname': ['Smith'],
      'http://schemas.microsoft.com/identity/claims/identityprovider': [idp.entityId],
      'http://schemas.microsoft.com/claims/authnmethodsreferences': ['http://schemas.microsoft.com/ws/2008/06/identity/authenticationmethod/password'],
      'urn:x:groups': ['g1', 'g2'],
    });
    const authn = elements(assertion, SAML_NS, 'AuthnStatement')[0];
    expect(authn.getAttribute('SessionIndex')).toBe('_a1');
    expect(authn.getAttribute('AuthnInstant')).toBe(now.toISOString());
    expect(elements(authn, SAML_NS, 'AuthnContextClassRef')[0].textContent).toBe('urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport');
    expect(verifyAll(xml, idp.certificatePem)).toEqual([{ parent: 'Assertion', referenceUri: '#_a1' }]);
  });

  it('signs the response after its Issuer, and both (assertion first)', () => {
    const response = signInResponseXml(idp, { ...base, sign: 'response', responseId: '_r2', assertionId: '_a2' });
    expect(childElements(parse(response).documentElement!).map((e) => e.localName)).toEqual(['Issuer', 'Signature', 'Status', 'Assertion']);
    expect(verifyAll(response, idp.certificatePem)).toEqual([{ parent: 'Response', referenceUri: '#_r2' }]);
    const both = signInResponseXml(idp, { ...base, sign: 'both', responseId: '_r3', assertionId: '_a3' });
    expect(verifyAll(both, idp.certificatePem)).toEqual([
      { parent: 'Response', referenceUri: '#_r3' },
      { parent: 'Assertion', referenceUri: '#_a3' },
    ]);
    expect(elements(parse(signInResponseXml(idp, { ...base, sign: 'none' })), DSIG, 'Signature')).toHaveLength(0);
  });

  it('leaves out InResponseTo when IdP-initiated, Destination when null, and signs with another key when told', () => {
    const other = createCertificate();
    const xml = signInResponseXml(idp, { ...base, inResponseTo: undefined, destination: null, signingKey: other, issuer: 'https://evil/' });
    expect(xml).not.toContain('InResponseTo');
    expect(parse(xml).documentElement!.hasAttribute('Destination')).toBe(false);
    expect(verifyAll(xml, other.certificatePem)).toHaveLength(1);
    expect(elements(parse(xml), SAML_NS, 'Issuer').map((e) => e.textContent)).toEqual(['https://evil/', 'https://evil/']);
  });

  it('is accepted by node-saml in every signing mode', async () => {
    const assertion = await post(sp(idp), signInResponseXml(idp, base));
    expect(assertion.profile?.nameID).toBe(base.nameId);
    expect(assertion.profile?.['http://schemas.microsoft.com/identity/claims/tenantid']).toBe(idp.tenantId);
    const responseSp = sp(idp, { wantAuthnResponseSigned: true, wantAssertionsSigned: false });
    expect((await post(responseSp, signInResponseXml(idp, { ...base, sign: 'response' }))).profile?.nameID).toBe(base.nameId);
    const bothSp = sp(idp, { wantAuthnResponseSigned: true, wantAssertionsSigned: true });
    expect((await post(bothSp, signInResponseXml(idp, { ...base, sign: 'both' }))).profile?.nameID).toBe(base.nameId);
    // Sanity: node-saml does notice a wrong key and an unsigned response, so its acceptances above mean something.
    expect(await rejection(sp(idp), signInResponseXml(idp, { ...base, signingKey: createCertificate() }))).toMatch(/signature/i);
    expect(await rejection(sp(idp), signInResponseXml(idp, { ...base, sign: 'none' }))).toMatch(/signature/i);
  });
});

describe('attacks', () => {
  const evil = 'admin@contoso.com';

  it('keep well-formed XML whose evil parts are unsigned', () => {
    const signed = signInResponseXml(idp, base);
    const responseSigned = signInResponseXml(idp, { ...base, sign: 'response' });
    const outputs = {
      tamper: attacks.tamperNameId(signed, evil),
      before: attacks.wrapEvilAssertionBefore(signed, evil),
      extensions: attacks.wrapSignedAssertionInExtensions(signed, evil),
      object: attacks.wrapSignedAssertionInsideSignatureObject(signed, evil),
      response: attacks.wrapSignedResponse(responseSigned, evil),
    };
    for (const xml of Object.values(outputs)) {
      const nameIds = elements(parse(xml), SAML_NS, 'NameID').map((e) => e.textContent);
      expect(nameIds).toContain(evil);
    }
    const assertionsOf = (xml: string) => elements(parse(xml), SAML_NS, 'Assertion');
    expect(assertionsOf(outputs.before).map(nameIdOf)).toEqual([evil, base.nameId]);
    expect(new Set(assertionsOf(outputs.before).map((a) => a.getAttribute('ID'))).size).toBe(2);
    for (const [xml, wrapper] of [[outputs.extensions, 'Extensions'], [outputs.object, 'Object']]) {
      const placed = assertionsOf(xml).map((a) => [(a.parentNode as Element).localName, a.getAttribute('ID'), nameIdOf(a)]);
      const id = assertionsOf(signed)[0].getAttribute('ID');
      // The evil copy sits where the SP looks, the signed original (same ID) where a careless verifier finds it.
      expect(placed).toHaveLength(2);
      expect(placed).toContainEqual(['Response', id, evil]);
      expect(placed).toContainEqual([wrapper, id, base.nameId]);
    }
    const responses = elements(parse(outputs.response), SAMLP, 'Response');
    expect(responses.map((r) => r.getAttribute('ID'))).toEqual([responses[0].getAttribute('ID'), responses[0].getAttribute('ID')]);
    expect((responses[1].parentNode as Element).localName).toBe('Extensions');
  });

  it('are rejected by node-saml: tampering and every signature wrapping', async () => {
    const signed = signInResponseXml(idp, base);
    const responseSigned = signInResponseXml(idp, { ...base, sign: 'response' });
    const responseSp = sp(idp, { wantAuthnResponseSigned: true, wantAssertionsSigned: false });
    // node-saml 5.1.0's reasons, for the record: 'Invalid signature' (tampering; Extensions: the assertion it
    // reads has no signature), 'Invalid signature: multiple assertions' (evil assertion before),
    // 'Invalid signature, too many transforms' (Object: it counts the nested signature's transforms too),
    // 'Invalid document signature' (wrapped response).
    const errors = {
      tamperNameId: await rejection(sp(idp), attacks.tamperNameId(signed, evil)),
      wrapEvilAssertionBefore: await rejection(sp(idp), attacks.wrapEvilAssertionBefore(signed, evil)),
      wrapSignedAssertionInExtensions: await rejection(sp(idp), attacks.wrapSignedAssertionInExtensions(signed, evil)),
      wrapSignedAssertionInsideSignatureObject: await rejection(sp(idp), attacks.wrapSignedAssertionInsideSignatureObject(signed, evil)),
      wrapSignedResponse: await rejection(responseSp, attacks.wrapSignedResponse(responseSigned, evil)),
    };
    for (const message of Object.values(errors)) expect(message).toMatch(/signature/i);
  });

  it('comment injection is validly signed, and node-saml reads the whole NameID', async () => {
    const xml = attacks.commentInjectedNameId(idp, base, 'admin@contoso.com', '.evil.com');
    expect(xml).toContain('<NameID Format="urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress">admin@contoso.com<!---->.evil.com</NameID>');
    expect(verifyAll(xml, idp.certificatePem)).toHaveLength(1);
    const nameId = elements(parse(xml), SAML_NS, 'NameID')[0];
    expect(nameId.firstChild?.nodeValue).toBe('admin@contoso.com');
    // node-saml reads the signed (concatenated) text, not the first text node.
    expect((await post(sp(idp), xml)).profile?.nameID).toBe('admin@contoso.com.evil.com');
  });

  it('DOCTYPE and two assertions', async () => {
    const signed = signInResponseXml(idp, base);
    const doctype = attacks.withDoctype(signed);
    expect(doctype).toMatch(/^<!DOCTYPE samlp:Response \[<!ENTITY /);
    expect(doctype.endsWith(signed)).toBe(true);
    expect(attacks.withDoctype(signed, 'plain')).toBe(`<!DOCTYPE samlp:Response>${signed}`);
    const declared = `<?xml version="1.0" encoding="UTF-8"?>${signed}`;
    expect(attacks.withDoctype(declared, 'plain')).toBe(`<?xml version="1.0" encoding="UTF-8"?><!DOCTYPE samlp:Response>${signed}`);
    const two = attacks.twoAssertions(idp, base, { nameId: evil });
    expect(elements(parse(two), SAML_NS, 'Assertion').map(nameIdOf)).toEqual([base.nameId, evil]);
    expect(verifyAll(two, idp.certificatePem).map((s) => s.parent)).toEqual(['Assertion', 'Assertion']);
    // xmldom 0.8 does not expand internal entities, it errors on their use: node-saml rejects by accident,
    // not by a DOCTYPE policy (a bare DOCTYPE before a signed response gets through node-saml 5.1.0).
    expect(await rejection(sp(idp), doctype)).toMatch(/entity not found/);
    expect(await rejection(sp(idp), two)).toBe('Invalid signature: multiple assertions');
  });
});

describe('logoutRequestQuery', () => {
  it('signs the redirect-binding query over SAMLRequest, RelayState and SigAlg', async () => {
    const query = logoutRequestQuery(idp, { destination: 'https://portico.example/saml/slo', nameId: base.nameId, sessionIndex: '_a1', relayState: 'r s&1', id: '_lo1' });
    const params = new URLSearchParams(query);
    expect([...params.keys()]).toEqual(['SAMLRequest', 'RelayState', 'SigAlg', 'Signature']);
    expect(params.get('SigAlg')).toBe(RSA_SHA256);
    const signedPart = query.slice(0, query.indexOf('&Signature='));
    expect(cryptoVerify('sha256', Buffer.from(signedPart), idp.certificatePem, Buffer.from(params.get('Signature')!, 'base64'))).toBe(true);
    const request = parse(inflateRawSync(Buffer.from(params.get('SAMLRequest')!, 'base64')).toString('utf8')).documentElement!;
    expect([request.namespaceURI, request.localName, request.getAttribute('ID'), request.getAttribute('Destination')]).toEqual([
      SAMLP,
      'LogoutRequest',
      '_lo1',
      'https://portico.example/saml/slo',
    ]);
    expect(elements(request, SAMLP, 'SessionIndex')[0].textContent).toBe('_a1');
    const { profile, loggedOut } = await sp(idp).validateRedirectAsync(Object.fromEntries(params), query);
    expect(loggedOut).toBe(true);
    expect(profile?.nameID).toBe(base.nameId);
    expect(profile?.issuer).toBe(idp.entityId);
    expect(profile?.sessionIndex).toBe('_a1');
    const other = withNewCertificate(idp);
    await expect(sp(other).validateRedirectAsync(Object.fromEntries(params), query)).rejects.toThrow(/signature/i);
  });
});
