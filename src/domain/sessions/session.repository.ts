import type { EntityManager } from '@mikro-orm/postgresql';
import { eventInsert } from '../events/event.repository';
import type { EventInput } from '../events/event-row';
import type { Scope } from '../shared/scope';
import { named, type SqlClient } from '../shared/sql-client';
import { isNullForIdLookup, textArray } from '../shared/sql';
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
  /** A live pending request of the tenant has the response's InResponseTo (read before any write). */
  requestFound: boolean;
  /** The browser hash that request was remembered with. */
  requestBrowserHash: string | null;
  /** The assertion id is remembered and still live: a replay (read before any write). */
  assertionKnown: boolean;
  /** The pending request was deleted by this statement (of two responses to one request, exactly one does). */
  requestConsumed: boolean;
  /** The assertion id was remembered by this statement (of two sign-ins with one id, exactly one does). */
  assertionAccepted: boolean;
  user: SigningInUser | null;
  /** The session opened (with its event) when every check passed; null otherwise. */
  sessionId: string | null;
}

/** How a sign-in statement runs: the fast path writes only for a known user, the JIT path also for an unknown one. */
export interface SignInAttempt {
  claims: SignInClaims;
  session: NewSession;
  /** hashToken of the value the posting browser holds for the request it answers; null when it holds none. */
  browserProofHash: string | null;
  /**
   * Consume the request and remember the assertion even when no user is found (the caller creates the user just in
   * time in the same transaction); false: write nothing unless a user is found.
   */
  admitUnknownUser: boolean;
  /** SIGN_IN_SUCCEEDED, written with the session; its subject, actor and summary come from the user found. */
  event: Omit<EventInput, 'subjectId' | 'summary'>;
  /** Follows the user's userName in the event's summary. */
  summaryAfterUserName: string;
}

/**
 * The sign-in statement. Every parameter is used directly (no `input` CTE: the planner then looks each one up in
 * its index; with a CTE it read every user of the tenant per sign-in). The checks are reads made before any write
 * (`pending`, `known`, `found`, `admissible`); the lookup by externalId is written with isNullForIdLookup, or on a
 * table not yet analysed the planner reads every live user of the tenant through a partial index. The writes run only when all of them pass, so a refused sign-in
 * changes nothing but the sweep and needs no transaction to roll back. Between concurrent sign-ins the writes
 * still decide: the request's delete and the assertion's insert each succeed for one of them only.
 */
const SIGN_IN_TEXT = (events: string) => `with tenant as (
   select t.idp_initiated_sign_in, t.jit_sign_in from tenants t where t.id = $1::uuid
 ), pending as (
   select p.browser_hash from saml_pending_requests p
    where p.tenant_id = $1::uuid and p.request_id = $2::text and p.expires_at > now()
 ), known as (
   -- A live id seen before is a replay; one remembered past its expiry is taken again (the response's own
   -- validity refused it meanwhile).
   select 1 from saml_accepted_assertions a where a.tenant_id = $1::uuid and a.assertion_id = $3::text and a.expires_at >= now()
 ), by_name as (
   -- lower() under the database's collation also folds look-alikes (the Kelvin sign into K): the index finds
   -- candidates, the C-collation comparison keeps only an ASCII-case match.
   select u.id, u.user_name, u.active, u.idp_object_id from users u
    where u.tenant_id = $1::uuid and lower(u.user_name) = lower($5::text) and u.deleted_at is null
      and lower(u.user_name collate "C") = lower($5::text collate "C")
    limit 1
 ), found as (
   -- The objectidentifier claim against externalId only when no userName matches (a one-time filter: the second
   -- lookup is not even run then).
   select * from by_name
   union all
   (select u.id, u.user_name, u.active, u.idp_object_id from users u
     where not exists (select 1 from by_name)
       and u.tenant_id = $1::uuid and u.external_id = $6::text and ${isNullForIdLookup('u.deleted_at')}
     limit 1)
 ), admissible as (
   -- The browser hash is compared here only to gate the writes; the service compares it again in constant time.
   select (case when $2::text is null then coalesce((select idp_initiated_sign_in from tenant), false)
                else exists (select 1 from pending where browser_hash is null or browser_hash = $12::text) end)
          and not exists (select 1 from known)
          and coalesce((select active from found), $13::boolean) as ok
 ), consumed as (
   -- Deleting it is the check: of two responses to one request, exactly one finds the row.
   delete from saml_pending_requests p
    where p.tenant_id = $1::uuid and p.request_id = $2::text and p.expires_at > now() and (select ok from admissible)
   returning p.browser_hash
 ), swept as (
   -- Expired ids go (a little with every sign-in keeps the table small), except the one remembered now; in
   -- expiry order, so that the expiry index finds them without reading the live ones.
   delete from saml_accepted_assertions where ctid = any(array(
     select a.ctid from saml_accepted_assertions a
      where a.expires_at < now() and not (a.tenant_id = $1::uuid and a.assertion_id = $3::text)
      order by a.expires_at limit 100))
 ), accepted as (
   -- A concurrent sign-in with the same id waits on this row and then finds it: one of the two wins.
   insert into saml_accepted_assertions as a (tenant_id, assertion_id, expires_at)
   select $1::uuid, $3::text, $4::timestamptz
    where (select ok from admissible) and ($2::text is null or exists (select 1 from consumed))
   on conflict (tenant_id, assertion_id) do update set expires_at = excluded.expires_at where a.expires_at < now()
   returning a.assertion_id
 ), admitted as (
   select found.id, found.user_name, found.idp_object_id from found where found.active and exists (select 1 from accepted)
 ), opened as (
   insert into sessions (id, tenant_id, user_id, token_hash, created_at, expires_at, saml_name_id, saml_name_id_format, saml_session_index)
   select $7::uuid, $1::uuid, admitted.id, $8::text, now(), $9::timestamptz, $5::text, $10::text, $11::text from admitted
   returning id
 ), marked as (
   -- Entra's objectidentifier, kept for the directory sync (SPEC §6): written only when it changed.
   -- By the id as a value (not a join with the CTE): the planner looks it up in the primary key.
   update users u set idp_object_id = $6::text
    where u.id = (select id from admitted) and u.tenant_id = $1::uuid and $6::text is not null
      and (select idp_object_id from admitted) is distinct from $6::text
   returning u.id
 ), events as (${events})
 select (select idp_initiated_sign_in from tenant) as idp_initiated_sign_in, (select jit_sign_in from tenant) as jit_sign_in,
        exists (select 1 from pending) as request_found, (select browser_hash from pending limit 1) as browser_hash,
        exists (select 1 from known) as assertion_known,
        exists (select 1 from consumed) as request_consumed, exists (select 1 from accepted) as assertion_accepted,
        found.id as user_id, found.user_name, found.active, (select id from opened) as session_id
   from (select 1) as one left join found on true`;

/** The parameters of SIGN_IN_TEXT before the event's. */
const SIGN_IN_PARAMETERS = 14;

/**
 * All SQL of sessions and of a sign-in's protocol state: the `sessions` table, the SAML requests a response
 * may answer and the assertion ids already accepted, and the user row a sign-in reads and marks.
 */
export const sessionRepository = {
  /**
   * A sign-in in one statement (see SIGN_IN_TEXT): reads what its checks decide on, and only when they all pass,
   * consumes the request the response answers (if any), remembers the assertion id, opens the session with its
   * SIGN_IN_SUCCEEDED event and keeps the objectidentifier on the user; sweeps up to 100 expired assertion ids
   * either way. Outside a transaction it is one by itself: the session and its event commit together.
   */
  async signIn(sql: SqlClient, scope: Scope, attempt: SignInAttempt): Promise<SignInOutcome> {
    const { claims, session } = attempt;
    const userColumn = 'admitted.id::text';
    // By the user signing in (id and label from the row found), as a session of theirs would act.
    const byUser: Scope = { ...scope, actor: { kind: 'USER', id: null, label: '', tenantId: scope.tenantId, level: 'NONE' } };
    const event = eventInsert(byUser, [{ ...attempt.event, subjectId: null }], SIGN_IN_PARAMETERS + 1, 'opened, admitted', {
      subject_id: userColumn,
      actor_id: userColumn,
      actor_label: 'admitted.user_name',
      summary: `admitted.user_name || $${SIGN_IN_PARAMETERS}::text`,
    });
    const [row] = await sql.query<{
      idp_initiated_sign_in: boolean | null;
      jit_sign_in: boolean | null;
      request_found: boolean;
      browser_hash: string | null;
      assertion_known: boolean;
      request_consumed: boolean;
      assertion_accepted: boolean;
      user_id: string | null;
      user_name: string | null;
      active: boolean | null;
      session_id: string | null;
    }>(named('session_sign_in', SIGN_IN_TEXT(event.sql)), [
      scope.tenantId,
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
      attempt.browserProofHash,
      attempt.admitUnknownUser,
      attempt.summaryAfterUserName,
      ...event.values,
    ]);
    return {
      idpInitiatedSignIn: row.idp_initiated_sign_in === true,
      jitSignIn: row.jit_sign_in === true,
      requestFound: row.request_found,
      requestBrowserHash: row.browser_hash,
      assertionKnown: row.assertion_known,
      requestConsumed: row.request_consumed,
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
