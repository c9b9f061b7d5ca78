import { describe, expect, it } from 'vitest';
import { samlSpUrls } from '../../src/config/urls';
import { generateSpCredentials } from '../../src/domain/saml/certificates';
import { validateSamlResponse } from '../../src/saml/response-validator';
import { signedAssertionRoot, signedAttribute, signedChild, signedPlainText, signedText } from '../../src/saml/signed-assertion';
import { CLAIMS, createTestIdp, encodeSamlResponse, runtimeConnectionFor, signInResponseXml } from '../fixtures/saml-idp';

/**
 * Issue 14: after node-saml verified a response, Portico reads the signed assertion as node-saml parsed it
 * (xml2js) instead of parsing the signed XML once more.
 */
describe('the signed assertion, read as node-saml parsed it', () => {
  it('gives every value a sign-in needs', async () => {
    const idp = createTestIdp();
    const urls = samlSpUrls('https://portico.example', 'acme');
    const sp = await generateSpCredentials('unit');
    const connection = runtimeConnectionFor(idp, sp);
    const bearerNotOnOrAfter = new Date(Date.now() + 5 * 60_000);
    const xml = signInResponseXml(idp, {
      acsUrl: urls.acsUrl,
      audience: urls.entityId,
      nameId: 'ana@acme.example',
      inResponseTo: '_request-1',
      assertionId: '_assertion-1',
      objectId: '0b1f3c3e-1111-4222-8333-944445555666',
      claims: { [CLAIMS.displayName]: '  Ana  Lima ' },
      bearerNotOnOrAfter,
    });
    const assertion = await validateSamlResponse(encodeSamlResponse(xml), connection, urls);
    expect(assertion).toMatchObject({
      assertionId: '_assertion-1',
      inResponseTo: '_request-1',
      nameId: 'ana@acme.example',
      nameIdFormat: 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress',
      sessionIndex: '_assertion-1',
      objectId: '0b1f3c3e-1111-4222-8333-944445555666',
      profile: { displayName: 'Ana  Lima', email: 'ana@acme.example' },
    });
    // The later of the bearer window and the Conditions (70 minutes), plus the clock skew.
    expect(assertion.notOnOrAfter.getTime()).toBeGreaterThan(bearerNotOnOrAfter.getTime() + 60 * 60_000);
  });

  it('refuses an element nested in a value that must be text; reads attributes and text', () => {
    const root = signedAssertionRoot({
      Assertion: { $: { ID: '_a' }, Issuer: [{ _: ' https://idp.example/ ' }], Subject: [{ NameID: [{ _: 'ana', b: [''] }] }], Empty: [''] },
    });
    expect(signedAttribute(root, 'ID')).toBe('_a');
    expect(signedPlainText(signedChild(root, 'Issuer')!, 'Issuer')).toBe('https://idp.example/');
    const nameId = signedChild(signedChild(root, 'Subject'), 'NameID')!;
    expect(() => signedPlainText(nameId, 'NameID')).toThrow(/holds more than text/);
    expect(signedText(nameId)).toBe('ana');
    expect(signedPlainText(signedChild(root, 'Empty')!, 'Empty')).toBe('');
    expect(signedChild(root, '$')).toBeNull();
    expect(signedAssertionRoot({ Response: {} })).toBeNull();
  });
});
