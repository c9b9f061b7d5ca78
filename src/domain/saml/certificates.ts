import { generateKeyPair, randomBytes, X509Certificate } from 'node:crypto';
import { promisify } from 'node:util';
import forge from 'node-forge';
import { DomainError } from '../shared/domain-error';

/** A trusted IdP signing certificate as stored and shown (never a private key). */
export interface CertificateInfo {
  pem: string;
  /** SHA-256 fingerprint, colon-separated hex, as admin portals show it. */
  fingerprint: string;
  subject: string;
  notBefore: string;
  notAfter: string;
}

const MAX_CERTIFICATE_CHARS = 16_000;
const generateRsaKeyPair = promisify(generateKeyPair);

/** PEM text from a PEM block or the bare base64 body that metadata and admin portals show. */
function toPem(text: string): string {
  const body = text
    .replace(/-----BEGIN CERTIFICATE-----|-----END CERTIFICATE-----/g, '')
    .replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]+=*$/.test(body)) throw new Error('not base64');
  return `-----BEGIN CERTIFICATE-----\n${body.match(/.{1,64}/g)!.join('\n')}\n-----END CERTIFICATE-----\n`;
}

/** Parses an X.509 certificate given as PEM or base64; a clear BAD_USER_INPUT when it is not one. */
export function readCertificate(text: string, argument = 'certificates'): CertificateInfo {
  if (text.length > MAX_CERTIFICATE_CHARS) throw new DomainError('BAD_USER_INPUT', 'A certificate is too long', { argument });
  try {
    const pem = toPem(text);
    const certificate = new X509Certificate(pem);
    return {
      pem,
      fingerprint: certificate.fingerprint256,
      subject: certificate.subject.replace(/\n/g, ', '),
      notBefore: new Date(certificate.validFrom).toISOString(),
      notAfter: new Date(certificate.validTo).toISOString(),
    };
  } catch {
    throw new DomainError('BAD_USER_INPUT', 'Not an X.509 certificate (PEM or base64 expected)', { argument });
  }
}

/**
 * A new key pair for the SP and a self-signed certificate for it (10 years: IdPs pin SP certificates, and
 * rotating them is a manual step in the IdP). The key is generated natively, off the event loop (it takes
 * a CPU for a good part of a second); forge only builds the cert.
 */
export async function generateSpCredentials(commonName: string): Promise<{ certificatePem: string; privateKeyPem: string }> {
  const { privateKey } = await generateRsaKeyPair('rsa', { modulusLength: 2048 });
  const privateKeyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const forgeKey = forge.pki.privateKeyFromPem(privateKeyPem);
  const certificate = forge.pki.createCertificate();
  certificate.publicKey = forge.pki.setRsaPublicKey(forgeKey.n, forgeKey.e);
  // A positive serial: the high bit cleared.
  certificate.serialNumber = `0${randomBytes(15).toString('hex')}`;
  certificate.validity.notBefore = new Date(Date.now() - 60_000);
  certificate.validity.notAfter = new Date(Date.now() + 10 * 365 * 24 * 3600 * 1000);
  const subject = [{ name: 'commonName', value: commonName.slice(0, 64) }];
  certificate.setSubject(subject);
  certificate.setIssuer(subject);
  certificate.sign(forgeKey, forge.md.sha256.create());
  return { certificatePem: forge.pki.certificateToPem(certificate), privateKeyPem };
}
