import type { IncomingMessage, ServerResponse } from 'node:http';
import type { DomainServices } from '../domain/services';
import type { SignedIn } from '../domain/sessions/sign-in.service';
import { systemActor } from '../domain/shared/scope';
import { cookieValue, requestIdOf } from '../http/request-context';
import { SESSION_COOKIE } from '../http/session-cookie';
import { appendCookie, clearCookie } from '../http/set-cookie';

/**
 * Which tenant and session this browser signed in to, as `<tenant id>.<session id>` (no secret). The session
 * cookie is SameSite=Lax, so the browser leaves it out of the IdP's cross-site POST to the ACS; this one is
 * SameSite=None (so https only) and scoped to `/api/`, so that the ACS can tell that an IdP-initiated sign-in
 * would replace a live session of another tenant.
 */
export const SIGNED_IN_COOKIE = 'portico_signed_in';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const CHECKER = systemActor('SAML sign-in');

/** Sets the session cookie (and, over https, the marker of the tenant signed in to). */
export function setSessionCookies(res: ServerResponse, signedIn: SignedIn, tenantId: string, secure: boolean): void {
  appendCookie(res, SESSION_COOKIE, signedIn.token, { httpOnly: true, secure, sameSite: 'lax', path: '/', expires: signedIn.expiresAt });
  if (secure) {
    appendCookie(res, SIGNED_IN_COOKIE, `${tenantId}.${signedIn.sessionId}`, { httpOnly: true, secure: true, sameSite: 'none', path: '/api/', expires: signedIn.expiresAt });
  }
}

export function clearSessionCookies(res: ServerResponse, secure: boolean): void {
  clearCookie(res, SESSION_COOKIE, { path: '/', httpOnly: true, secure, sameSite: 'lax' });
  if (secure) clearCookie(res, SIGNED_IN_COOKIE, { path: '/api/', httpOnly: true, secure: true, sameSite: 'none' });
}

/**
 * Whether the browser holds a live session of a tenant other than `tenantId`: by its session cookie when
 * the browser sent it, else by the marker cookie.
 */
export async function hasLiveSessionOfAnotherTenant(req: IncomingMessage, services: DomainServices, tenantId: string): Promise<boolean> {
  const token = cookieValue(req, SESSION_COOKIE);
  if (token) {
    const actor = await services.authenticator.authenticate(token);
    if (actor?.kind === 'USER') return actor.tenantId !== tenantId;
  }
  const [markedTenant, sessionId, ...rest] = (cookieValue(req, SIGNED_IN_COOKIE) ?? '').split('.');
  if (rest.length > 0 || !UUID.test(markedTenant ?? '') || !UUID.test(sessionId ?? '') || markedTenant === tenantId) return false;
  return services.sessions.isLive({ actor: CHECKER, source: 'SAML', requestId: requestIdOf(req), tenantId: markedTenant }, sessionId);
}
