import { randomUUID } from 'node:crypto';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { recordEvent } from '../events/event-recorder';
import { DomainError } from '../shared/domain-error';
import type { Actor, Scope } from '../shared/scope';
import { hashToken, issueToken, sameHash } from '../shared/secret-token';
import type { UnitOfWork } from '../shared/unit-of-work';
import { samlRepository } from '../saml/saml.repository';
import type { User } from '../users/user.entity';
import { userAttributesRule } from '../users/user-rules';
import { insertUser } from '../users/user.service';
import { DEFAULT_SESSION_SECONDS } from './session.service';
import { sessionRepository, type NewSession, type SignInAttempt, type SignInOutcome } from './session.repository';

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
  /** The user signed in. */
  user: { id: string; userName: string };
}

/** What follows the userName in SIGN_IN_SUCCEEDED's summary. */
const SIGNED_IN_SUMMARY = ' signed in through SAML';
const UNKNOWN_REQUEST = 'The response answers no request of ours, or one already answered';

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
    const session: NewSession = {
      id: randomUUID(),
      tokenHash: issued.hash,
      expiresAt: new Date(Date.now() + lifetimeSeconds * 1000),
      samlNameId: assertion.nameId,
      samlNameIdFormat: assertion.nameIdFormat ?? null,
      samlSessionIndex: assertion.sessionIndex,
    };
    const attempt = (admitUnknownUser: boolean): SignInAttempt => ({
      claims: assertion,
      session,
      browserProofHash: browserProof === null ? null : hashToken(browserProof),
      admitUnknownUser,
      event: { type: 'SIGN_IN_SUCCEEDED', subjectType: 'USER', detail: { nameId: assertion.nameId, idpInitiated: assertion.inResponseTo === null } },
      summaryAfterUserName: SIGNED_IN_SUMMARY,
    });
    const signedIn = (user: { id: string; userName: string }): SignedIn => ({ token: issued.token, sessionId: session.id, expiresAt: session.expiresAt, user });
    try {
      // A known user's sign-in is one statement, with no transaction around it: it writes the session and its
      // event when every check passes, and nothing when one fails.
      const outcome = await this.uow.writeStatement((sql) => sessionRepository.signIn(sql, scope, attempt(false)));
      checkReads(outcome, assertion, browserProof);
      if (outcome.user) {
        checkWrites(outcome, assertion);
        return signedIn(outcome.user);
      }
      if (!outcome.jitSignIn) throw unknownUser(assertion);
      // An unknown user is created just in time, in a transaction with the rest: a refusal rolls all of it back.
      return await retryingRaceOfFirstSignIn(() =>
        this.uow.write(async (em) => {
          const again = await sessionRepository.signIn(this.uow.sqlOf(em), scope, attempt(true));
          checkReads(again, assertion, browserProof);
          checkWrites(again, assertion);
          if (again.user) return signedIn(again.user); // created meanwhile by a concurrent first sign-in
          const created = await createJustInTime(em, scope, assertion, again.jitSignIn);
          if (!created.active) throw new SignInRefused('USER_DEACTIVATED', `${created.userName} is deactivated`);
          await sessionRepository.insertSession(em, scope.tenantId, created.id, session);
          if (assertion.objectId) await sessionRepository.rememberObjectId(em, scope.tenantId, created.id, assertion.objectId);
          const actor: Actor = { kind: 'USER', id: created.id, label: created.userName, tenantId: scope.tenantId, level: 'NONE' };
          await recordEvent(em, { ...scope, actor }, { ...attempt(true).event, subjectId: created.id, summary: `${created.userName}${SIGNED_IN_SUMMARY}` });
          return signedIn({ id: created.id, userName: created.userName });
        }),
      );
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
      if (!(await samlRepository.rememberLogoutRequest(em, scope.tenantId, request.id, request.rememberUntil))) {
        throw new DomainError('UNAUTHENTICATED', `LogoutRequest refused: ${request.id} was already used`, { reason: 'LOGOUT_REPLAYED' });
      }
      const ended = await sessionRepository.revokeByNameId(em, scope.tenantId, nameId, sessionIndexes);
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

/**
 * Refuses a sign-in the statement's checks did not pass, for the first reason in this order: the request the
 * response answers must have been ours (and posted by the browser that started it, when it was bound to one) or,
 * answering none, the tenant must allow IdP-initiated sign-in; the assertion must be new; the user, when found,
 * active.
 */
function checkReads(outcome: SignInOutcome, assertion: VerifiedAssertion, browserProof: string | null): void {
  const { inResponseTo } = assertion;
  if (inResponseTo === null) {
    if (!outcome.idpInitiatedSignIn) throw new SignInRefused('IDP_INITIATED_DISABLED', 'IdP-initiated sign-in is disabled for this tenant');
  } else {
    if (!outcome.requestFound) throw new SignInRefused('UNKNOWN_IN_RESPONSE_TO', UNKNOWN_REQUEST);
    const expected = outcome.requestBrowserHash;
    if (expected !== null && (browserProof === null || !sameHash(hashToken(browserProof), expected))) {
      throw new SignInRefused('OTHER_BROWSER', 'The response was posted by another browser than the one that started this sign-in');
    }
  }
  if (outcome.assertionKnown) throw new SignInRefused('ASSERTION_REPLAYED', `Assertion ${assertion.assertionId} was already used`);
  if (outcome.user && !outcome.user.active) throw new SignInRefused('USER_DEACTIVATED', `${outcome.user.userName} is deactivated`);
}

/** After checkReads: refuses the sign-in when a concurrent one took its request or its assertion id first. */
function checkWrites(outcome: SignInOutcome, assertion: VerifiedAssertion): void {
  const { inResponseTo } = assertion;
  const written = outcome.user ? outcome.sessionId !== null : outcome.assertionAccepted;
  if (written) return;
  if (inResponseTo !== null && !outcome.requestConsumed) throw new SignInRefused('UNKNOWN_IN_RESPONSE_TO', UNKNOWN_REQUEST);
  if (!outcome.assertionAccepted) throw new SignInRefused('ASSERTION_REPLAYED', `Assertion ${assertion.assertionId} was already used`);
  if (outcome.user) throw new Error('The sign-in statement opened no session for an admitted user');
}

const unknownUser = (assertion: VerifiedAssertion) => new SignInRefused('UNKNOWN_USER', `No user ${assertion.nameId} is provisioned and JIT sign-in is off`);

async function createJustInTime(em: EntityManager, scope: Scope, assertion: VerifiedAssertion, jitSignIn: boolean): Promise<User> {
  if (!jitSignIn) throw unknownUser(assertion);
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
