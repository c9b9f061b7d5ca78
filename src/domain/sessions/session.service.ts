import { recordEvent } from '../events/event-recorder';
import { requireLevel } from '../shared/authorize';
import { DomainError, notFound } from '../shared/domain-error';
import type { Scope } from '../shared/scope';
import { issueToken } from '../shared/secret-token';
import type { UnitOfWork } from '../shared/unit-of-work';
import { findUser } from '../users/user.service';
import { Session } from './session.entity';
import { sessionRepository } from './session.repository';

export const DEFAULT_SESSION_SECONDS = 8 * 3600;

/** Sessions of signed-in users. The token is returned once (for the cookie) and stored as SHA-256. */
export class SessionService {
  constructor(private readonly uow: UnitOfWork) {}

  /**
   * Opens a session for an active user of the scope's tenant. Called by sign-in (SAML) inside the
   * scope of the tenant whose IdP vouched for the user.
   */
  async open(scope: Scope, userId: string, lifetimeSeconds = DEFAULT_SESSION_SECONDS): Promise<{ token: string; session: Session }> {
    requireLevel(scope, 'ADMINISTRATOR');
    const issued = issueToken('session');
    return this.uow.write(async (em) => {
      const user = await findUser(this.uow.sqlOf(em), scope, userId);
      if (!user) throw notFound('User');
      if (!user.active) throw new DomainError('FORBIDDEN', 'This user is deactivated');
      const session = em.create(Session, {
        tenantId: scope.tenantId,
        userId,
        tokenHash: issued.hash,
        expiresAt: new Date(Date.now() + lifetimeSeconds * 1000),
      });
      return { token: issued.token, session };
    });
  }

  /** What the IdP called the caller's session at sign-in (for a single-logout request), or null. */
  async samlIdentity(scope: Scope): Promise<{ nameId: string; nameIdFormat: string | null; sessionIndex: string | null } | null> {
    const sessionId = scope.actor.sessionId;
    if (scope.actor.kind !== 'USER' || !sessionId) return null;
    const session = await this.uow.read((em) => sessionRepository.findById(em, scope.tenantId, sessionId));
    return session?.samlNameId ? { nameId: session.samlNameId, nameIdFormat: session.samlNameIdFormat, sessionIndex: session.samlSessionIndex } : null;
  }

  /** Whether the session with this id (of the scope's tenant) is live: neither revoked nor expired. */
  async isLive(scope: Scope, sessionId: string): Promise<boolean> {
    requireLevel(scope, 'ADMINISTRATOR');
    return this.uow.read((em) => sessionRepository.isLive(em, scope.tenantId, sessionId));
  }

  /** Ends the caller's own session. */
  async signOut(scope: Scope): Promise<boolean> {
    const sessionId = scope.actor.sessionId;
    if (scope.actor.kind !== 'USER' || !sessionId) {
      throw new DomainError('BAD_USER_INPUT', 'Only a signed-in user has a session to end');
    }
    return this.uow.write(async (em) => {
      const session = await sessionRepository.findUnrevoked(em, scope.tenantId, sessionId);
      if (!session) return false;
      session.revokedAt = new Date();
      await recordEvent(em, scope, {
        type: 'SIGNED_OUT',
        subjectType: 'USER',
        subjectId: session.userId,
        summary: `${scope.actor.label} signed out`,
      });
      return true;
    });
  }
}
