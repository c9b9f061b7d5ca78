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
