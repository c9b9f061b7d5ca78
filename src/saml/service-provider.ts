import { randomUUID } from 'node:crypto';
import { SAML, ValidateInResponseTo, type SamlConfig } from '@node-saml/node-saml';
import type { SamlSpUrls } from '../config/urls';
import type { SamlRuntimeConnection } from '../domain/saml/saml.service';

/** Tolerated clock difference with the IdP, on NotBefore and NotOnOrAfter. */
export const CLOCK_SKEW_MS = 2 * 60 * 1000;

/**
 * node-saml configured for one tenant's connection. Its checks are the signature (by a pinned certificate
 * only: KeyInfo in the message is ignored), the validity window and the audience; the rest (issuer,
 * destination, recipient, InResponseTo, replay) is done by Portico, because node-saml does not do them or
 * keeps their state in memory per process.
 */
export function serviceProvider(connection: SamlRuntimeConnection, urls: SamlSpUrls, requestId?: string): SAML {
  const config: SamlConfig = {
    issuer: urls.entityId,
    callbackUrl: urls.acsUrl,
    audience: urls.entityId,
    entryPoint: connection.idpSsoUrl,
    logoutUrl: connection.idpSloUrl ?? connection.idpSsoUrl,
    logoutCallbackUrl: urls.logoutUrl,
    idpCert: connection.idpCertificates,
    privateKey: connection.spPrivateKey,
    // The SP metadata offers the same key pair for encryption: Entra's token encryption just works.
    decryptionPvk: connection.spPrivateKey || undefined,
    publicCert: connection.spCertificate,
    signatureAlgorithm: 'sha256',
    digestAlgorithm: 'sha256',
    // Entra signs the assertion by default and the response only on request; either signature will do, as
    // long as it covers the assertion (node-saml then checks the assertion's own signature when the
    // response is unsigned).
    wantAssertionsSigned: false,
    wantAuthnResponseSigned: false,
    acceptedClockSkewMs: CLOCK_SKEW_MS,
    validateInResponseTo: ValidateInResponseTo.never,
    identifierFormat: null,
    disableRequestedAuthnContext: true,
    generateUniqueId: () => requestId ?? `_${randomUUID()}`,
  };
  return new SAML(config);
}

/**
 * Per runtime connection (a new object whenever the connection is read again or changed, so a change is seen
 * at once), the node-saml instance that validates its responses, by ACS URL: building one per response cost
 * as much as a small part of the validation itself.
 */
const validatorsByConnection = new WeakMap<SamlRuntimeConnection, { acsUrl: string; saml: SAML }>();

/** node-saml for validating a tenant's responses (no request id of its own): one instance per connection. */
export function validatingServiceProvider(connection: SamlRuntimeConnection, urls: SamlSpUrls): SAML {
  const known = validatorsByConnection.get(connection);
  if (known && known.acsUrl === urls.acsUrl) return known.saml;
  const saml = serviceProvider(connection, urls);
  validatorsByConnection.set(connection, { acsUrl: urls.acsUrl, saml });
  return saml;
}
