import { UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { recordEvent } from '../events/event-recorder';
import { DomainError } from '../shared/domain-error';
import type { Actor, Scope } from '../shared/scope';
import { hashToken, issueToken, sameHash } from '../shared/secret-token';
import { textArray } from '../shared/sql';
import type { UnitOfWork } from '../shared/unit-of-work';
import { sweepExpired } from '../saml/expired-state';
import { Tenant } from '../tenants/tenant.entity';
import { User } from '../users/user.entity';
import { userAttributesRule } from '../users/user-rules';
import { insertUser } from '../users/user.service';
import { DEFAULT_SESSION_SECONDS } from './session.service';
import { Session } from './session.entity';

/** Why a sign-in was refused: recorded on SIGN_IN_FAILED and shown (as a code) on the error page. */
export type SignInFailure =
  | 'NOT_CONFIGURED'
  | 'INVALID_RESPONSE'
  | 'UNKNOWN_IN_RESPONSE_TO'
  | 'OTHER_BROWSER'
  | 'IDP_INITIATED_DISABLED'
  | 'ASSERTION_REPLAYED'
  | 'UNKNOWN_USER'
  | 'USER_DEACTIVATED'
  | 'OTHER_TENANT_SESSION';

/** An assertion whose signature, issuer, audience, destination, recipient and validity window were checked. */
export interface VerifiedAssertion {
  assertionId: string;
  /** The end of the assertion's validity: its id is remembered that long. */
  notOnOrAfter: Date;
  /** The AuthnRequest it answers; null for an IdP-initiated sign-in. */
  inResponseTo: string | null;
  nameId: string;
  /** The NameID's Format attribute, when the IdP gave one. */
  nameIdFormat?: string | null;
  sessionIndex: string | null;
  /** Entra's `objectidentifier` claim: matched against `externalId` when no userName matches the NameID. */
  objectId: string | null;
  /** Profile claims, used only to create a user just in time. */
  profile: { email?: string; givenName?: string; familyName?: string; displayName?: string };
}

/** An IdP LogoutRequest whose signature, issuer, Destination and IssueInstant were checked. */
export interface IdpLogoutRequest {
  id: string;
  /** Until when its id is remembered: after that its IssueInstant refuses it anyway. */
  rememberUntil: Date;
}

export interface SignedIn {
  token: string;
  /** The new session's id (not a secret). */
  sessionId: string;
  expiresAt: Date;
  user: User;
}

/** How often a sign-in runs when concurrent first sign-ins of the same new user collide (see below). */
const FIRST_SIGN_IN_ATTEMPTS = 3;

class SignInRefused extends Error {
  constructor(
    readonly reason: SignInFailure,
    readonly detail: string,
  ) {
    super(detail);
  }
}

/**
 * Signing in, shared by every transport that vouches for a user (the SAML ACS today): finds the user the
 * IdP named, refuses the deactivated and the unknown (unless just-in-time creation is on), and opens a
 * session with its SIGN_IN_SUCCEEDED event in one transaction. Every refusal is a SIGN_IN_FAILED event with
 * the reason, and a DomainError UNAUTHENTICATED carrying it.
 */
export class SignInService {
  constructor(private readonly uow: UnitOfWork) {}

  /**
   * @param browserProof the value the browser that posted the response holds for the request it answers
   *   (a request remembered with one is answered only from that browser).
   */
  async withAssertion(scope: Scope, assertion: VerifiedAssertion, browserProof: string | null = null, lifetimeSeconds = DEFAULT_SESSION_SECONDS): Promise<SignedIn> {
    requireSignInAuthority(scope);
    const issued = issueToken('session');
    try {
      return await retryingRaceOfFirstSignIn(() => this.uow.write(async (em) => {
        await consumeRequestOrCheckIdpInitiated(em, scope, assertion.inResponseTo, browserProof);
        await rememberAssertion(em, scope, assertion);
        const user = (await findSigningInUser(em, scope, assertion)) ?? (await createJustInTime(em, scope, assertion));
        if (!user.active) throw new SignInRefused('USER_DEACTIVATED', `${user.userName} is deactivated`);
        await rememberObjectId(em, user, assertion.objectId);
        const expiresAt = new Date(Date.now() + lifetimeSeconds * 1000);
        const session = em.create(Session, {
          tenantId: scope.tenantId,
          userId: user.id,
          tokenHash: issued.hash,
          expiresAt,
          samlNameId: assertion.nameId,
          samlNameIdFormat: assertion.nameIdFormat ?? null,
          samlSessionIndex: assertion.sessionIndex,
        });
        await recordEvent(em, { ...scope, actor: userActor(user) }, {
          type: 'SIGN_IN_SUCCEEDED',
          subjectType: 'USER',
          subjectId: user.id,
          summary: `${user.userName} signed in through SAML`,
          detail: { nameId: assertion.nameId, idpInitiated: assertion.inResponseTo === null },
        });
        return { token: issued.token, sessionId: session.id, expiresAt, user };
      }));
    } catch (error) {
      if (!(error instanceof SignInRefused)) throw error;
      await this.refuse(scope, error.reason, error.detail, { nameId: assertion.nameId });
      throw refusal(error.reason, error.detail);
    }
  }

  /**
   * Records a refused sign-in (SIGN_IN_FAILED with the reason) and returns the error to raise. The SAML
   * transport calls it for responses it rejected before they reached the domain (bad signature, wrong
   * audience, …).
   */
  async refuse(scope: Scope, reason: SignInFailure, detail: string, context: Record<string, unknown> = {}): Promise<DomainError> {
    requireSignInAuthority(scope);
    await this.uow.write((em) =>
      recordEvent(em, scope, {
        type: 'SIGN_IN_FAILED',
        subjectType: 'USER',
        subjectId: null,
        summary: `SAML sign-in refused: ${reason}`,
        outcome: 'FAILURE',
        error: `${reason}: ${detail}`.slice(0, 2000),
        detail: { reason, ...context },
      }),
    );
    return refusal(reason, detail);
  }

  /**
   * Ends the sessions the IdP names in a LogoutRequest: those of that NameID with one of the session indexes,
   * or all of that NameID's sessions when it lists none. Returns how many ended. The request's id is
   * remembered in the same transaction: a request already acted on is refused (LOGOUT_REPLAYED) and ends
   * nothing.
   */
  async endIdpSessions(scope: Scope, request: IdpLogoutRequest, nameId: string, sessionIndexes: string[]): Promise<number> {
    requireSignInAuthority(scope);
    return this.uow.write(async (em) => {
      await rememberLogoutRequest(em, scope, request);
      const ended = await em.execute<{ id: string; user_id: string }[]>(
        `update sessions set revoked_at = now()
          where tenant_id = ? and saml_name_id = ? and revoked_at is null
            and (cardinality(?::text[]) = 0 or saml_session_index = any(?::text[]))
        returning id, user_id`,
        [scope.tenantId, nameId, textArray(sessionIndexes), textArray(sessionIndexes)],
      );
      for (const session of ended) {
        await recordEvent(em, scope, {
          type: 'SIGNED_OUT',
          subjectType: 'USER',
          subjectId: session.user_id,
          summary: `${nameId} signed out by the IdP`,
        });
      }
      return ended.length;
    });
  }
}

/**
 * Two first sign-ins of one new user at once both find no user and both create it: the second insert waits
 * for the first to commit and then violates the unique userName. Nothing of that attempt was committed, so
 * it runs again and finds the user the other one created (one user, two sessions, never a server error).
 */
async function retryingRaceOfFirstSignIn<T>(attempt: () => Promise<T>): Promise<T> {
  for (let tries = 1; ; tries += 1) {
    try {
      return await attempt();
    } catch (error) {
      if (!(error instanceof UniqueConstraintViolationException) || tries >= FIRST_SIGN_IN_ATTEMPTS) throw error;
    }
  }
}

/** The error a refused sign-in raises (what `refuse` returns, without recording an event). */
export const signInRefusal = (reason: SignInFailure, detail: string) =>
  new DomainError('UNAUTHENTICATED', `Sign-in refused (${reason}): ${detail}`, { reason });
const refusal = signInRefusal;

function requireSignInAuthority(scope: Scope): void {
  // Only the transport that verified the IdP's word acts as the system; no API caller may mint sessions.
  if (scope.actor.kind !== 'SYSTEM') throw new DomainError('FORBIDDEN', 'Only a verified sign-in opens a session');
}

const userActor = (user: User): Actor => ({ kind: 'USER', id: user.id, label: user.userName, tenantId: user.tenantId, level: 'NONE' });

async function consumeRequestOrCheckIdpInitiated(em: EntityManager, scope: Scope, inResponseTo: string | null, browserProof: string | null): Promise<void> {
  if (inResponseTo === null) {
    const tenant = await em.findOneOrFail(Tenant, { id: scope.tenantId });
    if (!tenant.idpInitiatedSignIn) throw new SignInRefused('IDP_INITIATED_DISABLED', 'IdP-initiated sign-in is disabled for this tenant');
    return;
  }
  // Deleting it is the check: of two responses to one request, exactly one finds the row.
  const consumed = await em.execute<{ request_id: string; browser_hash: string | null }[]>(
    `delete from saml_pending_requests where tenant_id = ? and request_id = ? and expires_at > now() returning request_id, browser_hash`,
    [scope.tenantId, inResponseTo],
  );
  if (consumed.length === 0) throw new SignInRefused('UNKNOWN_IN_RESPONSE_TO', 'The response answers no request of ours, or one already answered');
  const expected = consumed[0].browser_hash;
  if (expected !== null && (browserProof === null || !sameHash(hashToken(browserProof), expected))) {
    throw new SignInRefused('OTHER_BROWSER', 'The response was posted by another browser than the one that started this sign-in');
  }
}

async function rememberAssertion(em: EntityManager, scope: Scope, assertion: VerifiedAssertion): Promise<void> {
  // Expired ids go first, so the id remembered next is never among them.
  await sweepExpired(em, 'saml_accepted_assertions');
  // A concurrent sign-in with the same id waits on this row and then finds it: one of the two wins.
  const inserted = await em.execute<{ assertion_id: string }[]>(
    `insert into saml_accepted_assertions (tenant_id, assertion_id, expires_at) values (?, ?, ?)
     on conflict do nothing returning assertion_id`,
    [scope.tenantId, assertion.assertionId, assertion.notOnOrAfter],
  );
  if (inserted.length === 0) throw new SignInRefused('ASSERTION_REPLAYED', `Assertion ${assertion.assertionId} was already used`);
}

async function rememberLogoutRequest(em: EntityManager, scope: Scope, request: IdpLogoutRequest): Promise<void> {
  await sweepExpired(em, 'saml_accepted_logout_requests');
  const inserted = await em.execute<{ request_id: string }[]>(
    `insert into saml_accepted_logout_requests (tenant_id, request_id, expires_at) values (?, ?, ?)
     on conflict do nothing returning request_id`,
    [scope.tenantId, request.id, request.rememberUntil],
  );
  if (inserted.length === 0) {
    throw new DomainError('UNAUTHENTICATED', `LogoutRequest refused: ${request.id} was already used`, { reason: 'LOGOUT_REPLAYED' });
  }
}

/**
 * Keeps Entra's objectidentifier claim on the user: the directory sync asks Graph for the user by it when the
 * externalId is not an object ID (SPEC §6). Written only when it changed, and not as a change of the user.
 */
async function rememberObjectId(em: EntityManager, user: User, objectId: string | null): Promise<void> {
  if (!objectId || user.idpObjectId === objectId) return;
  await em.execute('update users set idp_object_id = ? where id = ? and tenant_id = ?', [objectId, user.id, user.tenantId]);
}

/** The user whose userName is the NameID, else whose externalId is the objectidentifier claim. */
async function findSigningInUser(em: EntityManager, scope: Scope, assertion: VerifiedAssertion): Promise<User | null> {
  const rows = await em.execute<Record<string, unknown>[]>(
    // lower() under the database's collation also folds look-alikes (the Kelvin sign into K): the index finds
    // candidates, the C-collation comparison keeps only an ASCII-case match.
    `select * from users where tenant_id = ? and deleted_at is null
        and ((lower(user_name) = lower(?) and lower(user_name collate "C") = lower(? collate "C"))
             or (?::text is not null and external_id = ?))
      order by (lower(user_name collate "C") = lower(? collate "C")) desc limit 1`,
    [scope.tenantId, assertion.nameId, assertion.nameId, assertion.objectId, assertion.objectId, assertion.nameId],
  );
  return rows[0] ? em.map(User, rows[0] as never) : null;
}

async function createJustInTime(em: EntityManager, scope: Scope, assertion: VerifiedAssertion): Promise<User> {
  const tenant = await em.findOneOrFail(Tenant, { id: scope.tenantId });
  if (!tenant.jitSignIn) throw new SignInRefused('UNKNOWN_USER', `No user ${assertion.nameId} is provisioned and JIT sign-in is off`);
  const { email, givenName, familyName, displayName } = assertion.profile;
  const attributes = userAttributesRule.safeParse({
    userName: assertion.nameId,
    externalId: assertion.objectId ?? undefined,
    displayName,
    givenName,
    familyName,
    emails: email ? [{ value: email, type: 'work', primary: true }] : undefined,
  });
  if (!attributes.success) throw new SignInRefused('UNKNOWN_USER', 'The claims do not make a valid user for JIT creation');
  return insertUser(em, scope, attributes.data, 'SAML_JIT');
}
