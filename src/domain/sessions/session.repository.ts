import type { EntityManager } from '@mikro-orm/postgresql';
import { textArray } from '../shared/sql';
import { Session } from './session.entity';

/** Sends `sql` with its values apart from the text (knex bindings), in the transaction of `em` when it has one. */
async function queryWithParameters<R>(em: EntityManager, sql: string, values: unknown[]): Promise<R[]> {
  const query = em.getKnex().raw(sql, values as never[]);
  const transaction = em.getTransactionContext();
  if (transaction) query.transacting(transaction);
  return ((await query) as { rows: R[] }).rows;
}

/** The user a sign-in is for, as far as signing in needs to know it. */
export interface SigningInUser {
  id: string;
  userName: string;
  active: boolean;
}

/** What a new session records besides its user. */
export interface NewSession {
  id: string;
  tokenHash: string;
  expiresAt: Date;
  samlNameId: string;
  samlNameIdFormat: string | null;
  samlSessionIndex: string | null;
}

/** The assertion a sign-in accepts, as the sign-in statement needs it. */
export interface SignInClaims {
  assertionId: string;
  notOnOrAfter: Date;
  inResponseTo: string | null;
  nameId: string;
  objectId: string | null;
}

/** Everything a sign-in's checks decide on, read and written by one statement (see `signIn`). */
export interface SignInOutcome {
  idpInitiatedSignIn: boolean;
  jitSignIn: boolean;
  /** The pending request the response answers was found (and deleted); always false for IdP-initiated. */
  requestConsumed: boolean;
  /** The browser hash that request was remembered with. */
  requestBrowserHash: string | null;
  /** The assertion id was new (or only remembered past its expiry) and is now remembered. */
  assertionAccepted: boolean;
  user: SigningInUser | null;
  /** The session opened when every check the database can make passed; null otherwise. */
  sessionId: string | null;
}

/**
 * All SQL of sessions and of a sign-in's protocol state: the `sessions` table, the SAML requests a response
 * may answer and the assertion ids already accepted, and the user row a sign-in reads and marks.
 */
export const sessionRepository = {
  /**
   * A sign-in's reads and writes in one round trip: consumes the request the response answers (if any), sweeps
   * up to 100 expired accepted assertions and remembers this one (refusing a live one seen before), finds the
   * user the NameID (or the objectidentifier claim) names, and, when the database's checks pass (the request
   * or IdP-initiated sign-in allowed, the assertion new, the user active), opens the session and keeps the
   * objectidentifier on the user. The caller decides on the outcome and rolls the transaction back to refuse.
   */
  async signIn(em: EntityManager, tenantId: string, claims: SignInClaims, session: NewSession): Promise<SignInOutcome> {
    const rows = await queryWithParameters<{
      idp_initiated_sign_in: boolean;
      jit_sign_in: boolean;
      request_consumed: boolean;
      browser_hash: string | null;
      assertion_accepted: boolean;
      user_id: string | null;
      user_name: string | null;
      active: boolean | null;
      session_id: string | null;
    }>(
      em,
      `with input as (
         select cast(? as uuid) as tenant_id, cast(? as text) as request_id, cast(? as text) as assertion_id,
                cast(? as timestamptz) as assertion_expires_at, cast(? as text) as name_id, cast(? as text) as object_id
       ), tenant as (
         select t.idp_initiated_sign_in, t.jit_sign_in from tenants t, input where t.id = input.tenant_id
       ), consumed as (
         -- Deleting it is the check: of two responses to one request, exactly one finds the row.
         delete from saml_pending_requests p using input
          where p.tenant_id = input.tenant_id and p.request_id = input.request_id and p.expires_at > now()
         returning p.browser_hash
       ), swept as (
         -- Expired ids go (a little with every new one keeps the table small), except the one remembered now.
         delete from saml_accepted_assertions where ctid = any(array(
           select a.ctid from saml_accepted_assertions a, input
            where a.expires_at < now() and not (a.tenant_id = input.tenant_id and a.assertion_id = input.assertion_id) limit 100))
       ), accepted as (
         -- A concurrent sign-in with the same id waits on this row and then finds it: one of the two wins.
         -- An id remembered past its expiry is taken again (the response's own validity refused it meanwhile).
         insert into saml_accepted_assertions as a (tenant_id, assertion_id, expires_at)
         select tenant_id, assertion_id, assertion_expires_at from input
         on conflict (tenant_id, assertion_id) do update set expires_at = excluded.expires_at where a.expires_at < now()
         returning a.assertion_id
       ), found as (
         -- lower() under the database's collation also folds look-alikes (the Kelvin sign into K): the index
         -- finds candidates, the C-collation comparison keeps only an ASCII-case match.
         select u.id, u.user_name, u.active, u.idp_object_id from users u, input
          where u.tenant_id = input.tenant_id and u.deleted_at is null
            and ((lower(u.user_name) = lower(input.name_id) and lower(u.user_name collate "C") = lower(input.name_id collate "C"))
                 or (input.object_id is not null and u.external_id = input.object_id))
          order by (lower(u.user_name collate "C") = lower(input.name_id collate "C")) desc limit 1
       ), admitted as (
         select found.id, found.idp_object_id from found, input
          where found.active and exists (select 1 from accepted)
            and (case when input.request_id is null then coalesce((select idp_initiated_sign_in from tenant), false)
                      else exists (select 1 from consumed) end)
       ), opened as (
         insert into sessions (id, tenant_id, user_id, token_hash, created_at, expires_at, saml_name_id, saml_name_id_format, saml_session_index)
         select ?, input.tenant_id, admitted.id, ?, now(), ?, input.name_id, ?, ? from admitted, input
         returning id
       ), marked as (
         -- Entra's objectidentifier, kept for the directory sync (SPEC §6): written only when it changed.
         update users u set idp_object_id = input.object_id from admitted, input
          where u.id = admitted.id and u.tenant_id = input.tenant_id and input.object_id is not null
            and admitted.idp_object_id is distinct from input.object_id
         returning u.id
       )
       select (select idp_initiated_sign_in from tenant) as idp_initiated_sign_in, (select jit_sign_in from tenant) as jit_sign_in,
              exists (select 1 from consumed) as request_consumed, (select browser_hash from consumed limit 1) as browser_hash,
              exists (select 1 from accepted) as assertion_accepted,
              found.id as user_id, found.user_name, found.active, (select id from opened) as session_id
         from input left join found on true`,
      [
        tenantId,
        claims.inResponseTo,
        claims.assertionId,
        claims.notOnOrAfter,
        claims.nameId,
        claims.objectId,
        session.id,
        session.tokenHash,
        session.expiresAt,
        session.samlNameIdFormat,
        session.samlSessionIndex,
      ],
    );
    const row = rows[0];
    return {
      idpInitiatedSignIn: row.idp_initiated_sign_in === true,
      jitSignIn: row.jit_sign_in === true,
      requestConsumed: row.request_consumed,
      requestBrowserHash: row.browser_hash,
      assertionAccepted: row.assertion_accepted,
      user: row.user_id ? { id: row.user_id, userName: row.user_name!, active: row.active! } : null,
      sessionId: row.session_id,
    };
  },

  /** Opens a session for a user (one just created at sign-in). */
  async insertSession(em: EntityManager, tenantId: string, userId: string, session: NewSession): Promise<void> {
    await queryWithParameters(
      em,
      `insert into sessions (id, tenant_id, user_id, token_hash, created_at, expires_at, saml_name_id, saml_name_id_format, saml_session_index)
       values (?, ?, ?, ?, now(), ?, ?, ?, ?)`,
      [session.id, tenantId, userId, session.tokenHash, session.expiresAt, session.samlNameId, session.samlNameIdFormat, session.samlSessionIndex],
    );
  },

  /** Keeps Entra's objectidentifier claim on a user, when it changed. */
  async rememberObjectId(em: EntityManager, tenantId: string, userId: string, objectId: string): Promise<void> {
    await queryWithParameters(em, 'update users set idp_object_id = ? where id = ? and tenant_id = ? and idp_object_id is distinct from ?', [objectId, userId, tenantId, objectId]);
  },

  /**
   * Revokes the live sessions of a NameID, those with one of `sessionIndexes` or all when none is given;
   * returns the ended sessions' ids and users.
   */
  async revokeByNameId(em: EntityManager, tenantId: string, nameId: string, sessionIndexes: string[]): Promise<{ id: string; user_id: string }[]> {
    return em.execute<{ id: string; user_id: string }[]>(
      `update sessions set revoked_at = now()
        where tenant_id = ? and saml_name_id = ? and revoked_at is null
          and (cardinality(?::text[]) = 0 or saml_session_index = any(?::text[]))
      returning id, user_id`,
      [tenantId, nameId, textArray(sessionIndexes), textArray(sessionIndexes)],
    );
  },

  /** A session of the tenant by id, or null. */
  async findById(em: EntityManager, tenantId: string, sessionId: string): Promise<Session | null> {
    return em.findOne(Session, { id: sessionId, tenantId });
  },

  /** A session of the tenant by id that is not revoked (expired or not), or null. */
  async findUnrevoked(em: EntityManager, tenantId: string, sessionId: string): Promise<Session | null> {
    return em.findOne(Session, { id: sessionId, tenantId, revokedAt: null });
  },

  /** Whether the session is neither revoked nor expired. */
  async isLive(em: EntityManager, tenantId: string, sessionId: string): Promise<boolean> {
    return (await em.count(Session, { id: sessionId, tenantId, revokedAt: null, expiresAt: { $gt: new Date() } })) > 0;
  },
};
