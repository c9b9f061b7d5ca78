import type { EntityManager } from '@mikro-orm/postgresql';
import { z } from 'zod';
import { recordEvent } from '../events/event-recorder';
import type { AttributeChange } from '../events/provisioning-event.entity';
import { diffAttributes } from '../shared/changes';
import { requireLevel } from '../shared/authorize';
import { DomainError } from '../shared/domain-error';
import type { CallContext, Scope } from '../shared/scope';
import type { SecretBox } from '../shared/secret-box';
import type { UnitOfWork } from '../shared/unit-of-work';
import { hashToken } from '../shared/secret-token';
import { parseInput, stripNulls } from '../shared/validate';
import { generateSpCredentials, readCertificate, type CertificateInfo } from './certificates';
import type { IdpDescriptor, IdpMetadataReader } from './idp-metadata';
import type { SamlConnection } from './saml-connection.entity';
import { samlRepository } from './saml.repository';

/** How long an AuthnRequest id waits for its response. */
export const PENDING_REQUEST_SECONDS = 10 * 60;
const MAX_METADATA_CHARS = 1_000_000;
/** A connection trusts at most this many IdP signing certificates. */
export const MAX_CERTIFICATES = 10;

const httpUrl = z
  .string()
  .trim()
  .max(2048, 'must be at most 2048 characters')
  .refine((value) => URL.canParse(value) && /^https?:$/.test(new URL(value).protocol), 'must be an http(s) URL');

/** Exactly one way of configuring: a metadata URL, metadata XML, or the IdP's values by hand. */
const configureSamlRule = z.union([
  z.object({ metadataUrl: httpUrl }).strict(),
  z.object({ metadataXml: z.string().min(1, 'is required').max(MAX_METADATA_CHARS, 'is too large') }).strict(),
  z
    .object({
      idpEntityId: z.string().trim().min(1, 'is required').max(1024),
      ssoUrl: httpUrl,
      sloUrl: httpUrl.optional(),
      certificates: z.array(z.string()).min(1, 'at least one signing certificate is required').max(MAX_CERTIFICATES),
    })
    .strict(),
]);

/** What metadata says is checked like what an administrator types: the browser is sent to these URLs. */
const idpEndpointsRule = z.object({
  entityId: z.string().trim().min(1, 'is required').max(1024),
  ssoUrl: httpUrl,
  sloUrl: httpUrl.nullable(),
  certificates: z.array(z.string()),
});

export interface ConfigureSamlInput {
  metadataUrl?: string;
  metadataXml?: string;
  idpEntityId?: string;
  ssoUrl?: string;
  sloUrl?: string;
  certificates?: string[];
}

/** A tenant's SAML settings as administrators see them (never the SP's private key). */
export interface SamlSettingsView {
  configured: boolean;
  idpEntityId: string | null;
  idpSsoUrl: string | null;
  idpSloUrl: string | null;
  idpMetadataUrl: string | null;
  idpCertificates: CertificateInfo[];
  metadataRefreshedAt: Date | null;
  metadataRefreshError: string | null;
  spCertificate: string;
}

/** What the SAML transport needs to run a tenant's SP. Holds the SP private key: it never leaves the process. */
export interface SamlRuntimeConnection {
  tenantId: string;
  idpEntityId: string;
  idpSsoUrl: string;
  idpSloUrl: string | null;
  idpCertificates: string[];
  spCertificate: string;
  spPrivateKey: string;
}

/**
 * How long a process reuses a tenant's runtime connection without reading it again: every sign-in needs it,
 * and reading it was a sixth of a sign-in's cost. A change made in this process applies at once; one made by
 * another process within this time.
 */
export const RUNTIME_CONNECTION_TTL_MS = 5_000;

/** Each tenant's SAML connection: the IdP it trusts (by metadata or by hand) and the SP's own key pair. */
export class SamlService {
  private readonly runtimeCache = new Map<string, { value: SamlRuntimeConnection | null; expiresAt: number }>();
  /** Per tenant, the creation of its connection (and SP key pair) in progress in this process. */
  private readonly connectionsBeingCreated = new Map<string, Promise<SamlConnection>>();

  constructor(
    private readonly uow: UnitOfWork,
    private readonly secretBox: SecretBox | undefined,
    private readonly metadata: IdpMetadataReader | undefined,
  ) {}

  async settings(scope: Scope): Promise<SamlSettingsView> {
    requireLevel(scope, 'ADMINISTRATOR');
    return toView(await this.ensureConnection(scope));
  }

  /** The SP certificate for the SP metadata (public; generated on first use). */
  async spCertificate(scope: Scope): Promise<string> {
    return (await this.ensureConnection(scope)).spCertificate;
  }

  /**
   * Replaces the tenant's IdP configuration: the trusted certificates become exactly those given (or listed
   * in the metadata). A metadata URL is fetched now and refreshed on a schedule afterwards.
   */
  async configure(scope: Scope, input: ConfigureSamlInput): Promise<SamlSettingsView> {
    requireLevel(scope, 'ADMINISTRATOR');
    const given = parseInput(configureSamlRule, stripNulls(input));
    let descriptor: IdpDescriptor;
    let metadataUrl: string | null = null;
    let metadataXml: string | null = null;
    if ('metadataUrl' in given) {
      const fetched = await this.reader().fetch(given.metadataUrl);
      ({ descriptor } = fetched);
      metadataUrl = given.metadataUrl;
      metadataXml = fetched.xml;
    } else if ('metadataXml' in given) {
      descriptor = this.reader().parse(given.metadataXml);
      metadataXml = given.metadataXml;
    } else {
      descriptor = { entityId: given.idpEntityId, ssoUrl: given.ssoUrl, sloUrl: given.sloUrl ?? null, certificates: given.certificates };
    }
    descriptor = parseInput(idpEndpointsRule, descriptor);
    const certificates = trustedCertificates(descriptor.certificates);
    await this.ensureConnection(scope);
    return this.writeConnection(scope, async (em) => {
      const connection = await samlRepository.lockConnection(em, scope.tenantId);
      const changes = applyDescriptor(connection, descriptor, certificates);
      changes.push(...diffAttributes({ metadataUrl: connection.metadataUrl }, { metadataUrl }, ['metadataUrl']));
      connection.metadataUrl = metadataUrl;
      connection.metadataXml = metadataXml;
      connection.metadataRefreshedAt = metadataUrl ? new Date() : null;
      connection.metadataAttemptedAt = connection.metadataRefreshedAt;
      connection.metadataRefreshError = null;
      await recordEvent(em, scope, {
        type: 'SAML_CONFIGURED',
        subjectType: 'SAML_CONNECTION',
        subjectId: scope.tenantId,
        summary: `SAML configured for IdP ${descriptor.entityId} with ${certificates.length} signing certificate(s)`,
        changes,
      });
      return toView(connection);
    });
  }

  /**
   * Fetches the metadata URL again and applies it. When the fetch or the metadata fails, the last good
   * configuration stays in force and the error is kept for the settings page (and logged as a failed
   * SAML_CONFIGURED event once per distinct error).
   */
  async refreshMetadata(scope: Scope): Promise<SamlSettingsView> {
    requireLevel(scope, 'ADMINISTRATOR');
    const current = await this.ensureConnection(scope);
    if (!current.metadataUrl) throw new DomainError('BAD_USER_INPUT', 'SAML is not configured from a metadata URL; there is nothing to refresh');
    const url = current.metadataUrl;
    // Stamped before the fetch, which may take its whole deadline: the schedule of every process skips it meanwhile.
    await this.uow.write((em) => samlRepository.stampMetadataAttempt(em, scope.tenantId, new Date()));
    let fetched: { xml: string; descriptor: IdpDescriptor; certificates: CertificateInfo[] } | { error: string };
    try {
      const result = await this.reader().fetch(url);
      const descriptor = parseInput(idpEndpointsRule, result.descriptor);
      fetched = { ...result, descriptor, certificates: trustedCertificates(descriptor.certificates) };
    } catch (error) {
      fetched = { error: error instanceof DomainError ? error.message : 'The metadata could not be fetched' };
    }
    return this.writeConnection(scope, async (em) => {
      const connection = await samlRepository.lockConnection(em, scope.tenantId);
      if (connection.metadataUrl !== url) return toView(connection); // reconfigured meanwhile
      connection.metadataAttemptedAt = new Date();
      if ('error' in fetched) {
        if (connection.metadataRefreshError !== fetched.error) {
          await recordEvent(em, scope, {
            type: 'SAML_CONFIGURED',
            subjectType: 'SAML_CONNECTION',
            subjectId: scope.tenantId,
            summary: 'Refreshing the IdP metadata failed; the last good configuration stays in force',
            outcome: 'FAILURE',
            error: fetched.error,
          });
        }
        connection.metadataRefreshError = fetched.error;
        return toView(connection);
      }
      const changes = applyDescriptor(connection, fetched.descriptor, fetched.certificates);
      connection.metadataXml = fetched.xml;
      connection.metadataRefreshedAt = new Date();
      connection.metadataRefreshError = null;
      if (changes.length > 0) {
        await recordEvent(em, scope, {
          type: 'SAML_CONFIGURED',
          subjectType: 'SAML_CONNECTION',
          subjectId: scope.tenantId,
          summary: `SAML metadata refreshed from ${url}`,
          changes,
        });
      }
      return toView(connection);
    });
  }

  /** Tenants whose metadata URL was last tried before `before`, longest waiting first (the scheduled refresh). */
  async metadataDue(ctx: CallContext, before: Date, limit = 100): Promise<string[]> {
    if (ctx.actor.kind !== 'SYSTEM') throw new DomainError('FORBIDDEN', 'Only the system refreshes metadata on a schedule');
    return this.uow.read((em) => samlRepository.metadataDue(em, before, limit));
  }

  /**
   * Takes the tenant whose metadata URL was last tried longest before `before` and stamps the attempt now, in
   * one statement: concurrent callers (here and in other processes) each get a different tenant, and none
   * takes it again until its age is up. Null when no tenant is due. The scheduled refresh calls this, then
   * `refreshMetadata`.
   */
  async claimDueMetadata(ctx: CallContext, before: Date): Promise<string | null> {
    if (ctx.actor.kind !== 'SYSTEM') throw new DomainError('FORBIDDEN', 'Only the system refreshes metadata on a schedule');
    return this.uow.write((em) => samlRepository.claimDueMetadata(em, before, new Date()));
  }

  /** The connection a sign-in validates against, or null while the IdP is not configured. */
  async runtimeConnection(scope: Scope): Promise<SamlRuntimeConnection | null> {
    requireLevel(scope, 'ADMINISTRATOR');
    const cached = this.runtimeCache.get(scope.tenantId);
    if (cached && cached.expiresAt > Date.now()) return cached.value;
    const connection = await this.ensureConnection(scope);
    const value =
      !connection.idpEntityId || !connection.idpSsoUrl || connection.idpCertificates.length === 0
        ? null
        : {
            tenantId: scope.tenantId,
            idpEntityId: connection.idpEntityId,
            idpSsoUrl: connection.idpSsoUrl,
            idpSloUrl: connection.idpSloUrl,
            idpCertificates: connection.idpCertificates.map((c) => c.pem),
            spCertificate: connection.spCertificate,
            spPrivateKey: this.box().open(connection.spPrivateKeyEncrypted),
          };
    if (this.runtimeCache.size >= 10_000) this.runtimeCache.clear();
    this.runtimeCache.set(scope.tenantId, { value, expiresAt: Date.now() + RUNTIME_CONNECTION_TTL_MS });
    return value;
  }

  /**
   * Remembers the id of an AuthnRequest just sent, so that exactly one response may answer it; with
   * `browserProof`, only a response posted by the browser holding that value (see SignInService).
   */
  async rememberRequest(scope: Scope, requestId: string, browserProof?: string): Promise<void> {
    requireLevel(scope, 'ADMINISTRATOR');
    // Protocol state, not a provisioning change: no event.
    const expiresAt = new Date(Date.now() + PENDING_REQUEST_SECONDS * 1000);
    await this.uow.write((em) => samlRepository.insertPendingRequest(em, scope.tenantId, requestId, expiresAt, browserProof ? hashToken(browserProof) : null));
  }

  /** A write of the tenant's connection; this process forgets its cached copy once the write is over. */
  private async writeConnection<T>(scope: Scope, work: (em: EntityManager) => Promise<T>): Promise<T> {
    try {
      return await this.uow.write(work);
    } finally {
      this.runtimeCache.delete(scope.tenantId);
    }
  }

  /** The tenant's connection row, created with a fresh SP key pair the first time anything needs it. */
  private async ensureConnection(scope: Scope): Promise<SamlConnection> {
    const existing = await this.uow.read((em) => samlRepository.findConnection(em, scope.tenantId));
    if (existing) return existing;
    // One generation per tenant in this process, however many first requests arrive together.
    let creating = this.connectionsBeingCreated.get(scope.tenantId);
    if (!creating) {
      creating = this.createConnection(scope).finally(() => this.connectionsBeingCreated.delete(scope.tenantId));
      this.connectionsBeingCreated.set(scope.tenantId, creating);
    }
    return creating;
  }

  /**
   * Generates and stores the SP key pair, under a transaction-scoped advisory lock per tenant: a process that
   * waited for another one's lock finds the row and generates nothing (an RSA key costs a CPU for a while,
   * and the first requests are unauthenticated).
   */
  private async createConnection(scope: Scope): Promise<SamlConnection> {
    const box = this.box();
    return this.uow.write(async (em) => {
      await samlRepository.lockKeyGeneration(em, scope.tenantId);
      const stored = await samlRepository.findConnection(em, scope.tenantId);
      if (stored) return stored;
      const credentials = await generateSpCredentials(`Portico SP ${await samlRepository.tenantSlug(em, scope.tenantId)}`);
      // The lock makes a conflict unlikely, not impossible (a connection inserted some other way): the first row stays.
      if (await samlRepository.insertConnection(em, scope.tenantId, credentials.certificatePem, box.seal(credentials.privateKeyPem))) {
        await recordEvent(em, scope, {
          type: 'SAML_CONFIGURED',
          subjectType: 'SAML_CONNECTION',
          subjectId: scope.tenantId,
          summary: 'SAML service provider key pair generated',
        });
      }
      return samlRepository.getConnection(em, scope.tenantId);
    });
  }

  private reader(): IdpMetadataReader {
    if (!this.metadata) throw new DomainError('INTERNAL', 'No SAML metadata reader is configured');
    return this.metadata;
  }

  private box(): SecretBox {
    if (!this.secretBox) throw new DomainError('INTERNAL', 'No secret key is configured for SAML keys');
    return this.secretBox;
  }
}

function trustedCertificates(texts: string[]): CertificateInfo[] {
  if (texts.length === 0) throw new DomainError('BAD_USER_INPUT', 'The IdP lists no signing certificate', { argument: 'certificates' });
  if (texts.length > MAX_CERTIFICATES) throw new DomainError('BAD_USER_INPUT', `At most ${MAX_CERTIFICATES} signing certificates`, { argument: 'certificates' });
  const byFingerprint = new Map(texts.map((text) => readCertificate(text)).map((c) => [c.fingerprint, c]));
  return [...byFingerprint.values()];
}

/** Sets the IdP values of a connection; returns what changed (certificates by fingerprint and expiry). */
function applyDescriptor(connection: SamlConnection, descriptor: IdpDescriptor, certificates: CertificateInfo[]): AttributeChange[] {
  const describe = (list: CertificateInfo[]) => list.map((c) => `${c.fingerprint} (until ${c.notAfter})`).join('; ') || null;
  const shown = () => ({
    idpEntityId: connection.idpEntityId,
    idpSsoUrl: connection.idpSsoUrl,
    idpSloUrl: connection.idpSloUrl,
    idpCertificates: describe(connection.idpCertificates),
  });
  const before = shown();
  connection.idpEntityId = descriptor.entityId;
  connection.idpSsoUrl = descriptor.ssoUrl;
  connection.idpSloUrl = descriptor.sloUrl;
  connection.idpCertificates = certificates;
  return diffAttributes(before, shown(), ['idpEntityId', 'idpSsoUrl', 'idpSloUrl', 'idpCertificates']);
}

function toView(connection: SamlConnection): SamlSettingsView {
  return {
    configured: Boolean(connection.idpEntityId && connection.idpSsoUrl && connection.idpCertificates.length > 0),
    idpEntityId: connection.idpEntityId,
    idpSsoUrl: connection.idpSsoUrl,
    idpSloUrl: connection.idpSloUrl,
    idpMetadataUrl: connection.metadataUrl,
    idpCertificates: connection.idpCertificates,
    metadataRefreshedAt: connection.metadataRefreshedAt,
    metadataRefreshError: connection.metadataRefreshError,
    spCertificate: connection.spCertificate,
  };
}
