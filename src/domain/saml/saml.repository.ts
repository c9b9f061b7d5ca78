import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Tenant } from '../tenants/tenant.entity';
import { SamlConnection } from './saml-connection.entity';

/** The SAML protocol-state tables whose rows carry an `expires_at` and are useless after it. */
export type ExpiringSamlTable = 'saml_pending_requests' | 'saml_accepted_assertions' | 'saml_accepted_logout_requests';

/**
 * All SQL of tenants' SAML connections (`saml_connections`) and of the protocol state kept for them (pending
 * AuthnRequests, IdP LogoutRequests acted on). The accepted assertions of a sign-in are written with the
 * session, by `sessionRepository.signIn`.
 */
export const samlRepository = {
  /** The tenant's connection row, or null. */
  async findConnection(em: EntityManager, tenantId: string): Promise<SamlConnection | null> {
    return em.findOne(SamlConnection, { tenantId });
  },

  /** The tenant's connection row; NotFoundError when there is none. */
  async getConnection(em: EntityManager, tenantId: string): Promise<SamlConnection> {
    return em.findOneOrFail(SamlConnection, { tenantId });
  },

  /** The tenant's connection row with its metadata XML, locked for this transaction. */
  async lockConnection(em: EntityManager, tenantId: string): Promise<SamlConnection> {
    return em.findOneOrFail(SamlConnection, { tenantId }, { lockMode: LockMode.PESSIMISTIC_WRITE, populate: ['metadataXml'] });
  },

  /**
   * Waits for the tenant's SP key generation lock (transaction-scoped): processes creating the same tenant's
   * connection take turns.
   */
  async lockKeyGeneration(em: EntityManager, tenantId: string): Promise<void> {
    await em.execute(`select pg_advisory_xact_lock(hashtext('portico.saml-sp-key'), hashtext(?))`, [tenantId]);
  },

  /** The slug of a tenant (its SP certificate is named after it). */
  async tenantSlug(em: EntityManager, tenantId: string): Promise<string> {
    return (await em.findOneOrFail(Tenant, { id: tenantId })).slug;
  },

  /** Inserts the tenant's connection with its SP key pair; false when one exists already (the first stays). */
  async insertConnection(em: EntityManager, tenantId: string, spCertificate: string, spPrivateKeyEncrypted: string): Promise<boolean> {
    const inserted = await em.execute<{ tenant_id: string }[]>(
      `insert into saml_connections (tenant_id, sp_certificate, sp_private_key_encrypted, created_at, updated_at)
       values (?, ?, ?, now(), now()) on conflict (tenant_id) do nothing returning tenant_id`,
      [tenantId, spCertificate, spPrivateKeyEncrypted],
    );
    return inserted.length > 0;
  },

  /** Stamps an attempt to refresh the tenant's metadata (the schedule of every process skips it meanwhile). */
  async stampMetadataAttempt(em: EntityManager, tenantId: string, at: Date): Promise<void> {
    await em.nativeUpdate(SamlConnection, { tenantId }, { metadataAttemptedAt: at });
  },

  /** Slugs of tenants whose metadata URL was last tried before `before`, longest waiting first. */
  async metadataDue(em: EntityManager, before: Date, limit: number): Promise<string[]> {
    const rows = await em.execute<{ slug: string }[]>(
      `select t.slug from saml_connections c join tenants t on t.id = c.tenant_id
        where c.metadata_url is not null and (c.metadata_attempted_at is null or c.metadata_attempted_at < ?)
        order by c.metadata_attempted_at nulls first limit ?`,
      [before, limit],
    );
    return rows.map((row) => row.slug);
  },

  /**
   * Takes the tenant whose metadata URL was last tried longest before `before` and stamps the attempt `now`,
   * in one statement (concurrent callers each get a different tenant); its slug, or null when none is due.
   */
  async claimDueMetadata(em: EntityManager, before: Date, now: Date): Promise<string | null> {
    const rows = await em.execute<{ slug: string }[]>(
      `update saml_connections c set metadata_attempted_at = ? from tenants t
        where t.id = c.tenant_id and c.tenant_id = (
          select d.tenant_id from saml_connections d
           where d.metadata_url is not null and (d.metadata_attempted_at is null or d.metadata_attempted_at < ?)
           order by d.metadata_attempted_at nulls first limit 1 for update skip locked)
        returning t.slug`,
      [now, before],
    );
    return rows[0]?.slug ?? null;
  },

  /** Remembers an AuthnRequest id until `expiresAt`, with the hash of the browser's proof when bound to one. */
  async insertPendingRequest(em: EntityManager, tenantId: string, requestId: string, expiresAt: Date, browserHash: string | null): Promise<void> {
    await em.execute(`insert into saml_pending_requests (tenant_id, request_id, expires_at, browser_hash) values (?, ?, ?, ?) on conflict do nothing`, [
      tenantId,
      requestId,
      expiresAt,
      browserHash,
    ]);
    await samlRepository.sweepExpired(em, 'saml_pending_requests');
  },

  /** Remembers an IdP LogoutRequest id acted on; false when it was already (its replay). */
  async rememberLogoutRequest(em: EntityManager, tenantId: string, requestId: string, rememberUntil: Date): Promise<boolean> {
    await samlRepository.sweepExpired(em, 'saml_accepted_logout_requests');
    const inserted = await em.execute<{ request_id: string }[]>(
      `insert into saml_accepted_logout_requests (tenant_id, request_id, expires_at) values (?, ?, ?)
       on conflict do nothing returning request_id`,
      [tenantId, requestId, rememberUntil],
    );
    return inserted.length > 0;
  },

  /**
   * Deletes up to 100 expired rows of `table` in the transaction of `em`: a little with every new row keeps the
   * table small with no job of its own.
   */
  async sweepExpired(em: EntityManager, table: ExpiringSamlTable): Promise<void> {
    await em.execute(`delete from ${table} where ctid = any(array(select ctid from ${table} where expires_at < now() limit 100))`);
  },
};
