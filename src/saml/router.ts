import { asUnavailable, UNAVAILABLE_RETRY_AFTER_SECONDS } from '../db/unavailable';
import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import express, { type Request, type Response } from 'express';
import { samlSpUrls, type SamlSpUrls } from '../config/urls';
import { DomainError } from '../domain/shared/domain-error';
import type { DomainServices } from '../domain/services';
import { systemActor, type Scope } from '../domain/shared/scope';
import { PENDING_REQUEST_SECONDS, type SamlRuntimeConnection } from '../domain/saml/saml.service';
import { signInRefusal, type IdpLogoutRequest, type SignInFailure } from '../domain/sessions/sign-in.service';
import type { Logger } from '../http/logger';
import { clientAddressKey, RateLimiter } from '../http/rate-limiter';
import { bearerOf, cookieValue, requestIdOf } from '../http/request-context';
import { SESSION_COOKIE } from '../http/session-cookie';
import { clearCookie } from '../http/set-cookie';
import { clearSessionCookies, hasLiveSessionOfAnotherTenant, setSessionCookies } from './browser-session';
import { errorPage } from './error-page';
import { FormRefusal, readPostedForm, type PostedForm } from './posted-form';
import { checkIdpLogoutRequest } from './logout-request';
import { strictRedirectQuery } from './redirect-binding';
import { MAX_SAML_RESPONSE_BYTES, readPostedXml, SamlRejection, validateSamlResponse } from './response-validator';
import { safeReturnTo } from './return-to';
import { seeOther } from './see-other';
import { serviceProvider } from './service-provider';
import { childElement, NS, parseUntrustedXml } from './xml';

export interface SamlRouterOptions {
  services: DomainServices;
  publicUrl: string;
  logger: Logger;
  /** Requests per second and burst per client address, for every route here (perSecond 0: no limit). */
  rateLimit: { perSecond: number; burst: number };
}

const SAML_ACTOR = systemActor('SAML sign-in');
const UNVERIFIED_REFUSALS_PER_MINUTE = 120;
/** The cookie that binds an AuthnRequest to the browser that started it, per request id. */
const REQUEST_COOKIE_PREFIX = 'portico_saml_';

/** A request to a SAML route: as express gives it, or as the ACS fast path builds it (src/http/saml-fast-path.ts). */
export type SamlRequest = IncomingMessage & { params: { tenant?: unknown }; originalUrl: string; ip?: string };

/** The SAML service provider's endpoints: the express router of every route, and the ACS by itself. */
export interface SamlEndpoints {
  router: express.Router;
  /**
   * POST /api/:tenant/saml/acs, all of it (rate limit, form, sign-in, answer), on the plain Node request and
   * response: the router routes the ACS to it, and the server's listener calls it directly.
   */
  acs: (req: SamlRequest, res: ServerResponse) => Promise<void>;
}

/** Far above MAX_SAML_RESPONSE_BYTES, so an oversized response is refused (and logged) by the validator. */
const ACS_FORM_LIMIT = MAX_SAML_RESPONSE_BYTES * 8;

/** At most `perMinute` per key and minute; forgets everything rather than grow without bound. */
class RefusalBudget {
  private readonly windows = new Map<string, { startedAt: number; used: number }>();

  constructor(private readonly perMinute: number) {}

  take(key: string): boolean {
    const now = Date.now();
    let window = this.windows.get(key);
    if (!window || now - window.startedAt >= 60_000) {
      if (this.windows.size >= 10_000) this.windows.clear();
      window = { startedAt: now, used: 0 };
      this.windows.set(key, window);
    }
    window.used += 1;
    return window.used <= this.perMinute;
  }
}

/**
 * The SAML service provider of every tenant, mounted at `/api/:tenant/saml`: metadata, SP-initiated login,
 * the ACS, and single logout. It translates SAML into calls of the domain (`signIn.withAssertion`,
 * `signIn.refuse`, `sessions.signOut`) and domain errors into an error page.
 */
export function createSamlEndpoints(options: SamlRouterOptions): SamlEndpoints {
  const { services, publicUrl, logger } = options;
  const secureCookie = publicUrl.startsWith('https:');
  const router = express.Router({ mergeParams: true, caseSensitive: false });
  const unverifiedRefusals = new RefusalBudget(UNVERIFIED_REFUSALS_PER_MINUTE);
  const perAddress = new RateLimiter(options.rateLimit.perSecond, options.rateLimit.burst);

  // Anyone may call these routes, and a login writes a row and signs with RSA: each client address gets a
  // budget, taken before the tenant is looked up, so unknown tenants cost the same.
  const withinRate = (req: SamlRequest, res: ServerResponse): boolean => {
    const limit = perAddress.take(clientAddressKey(req.ip));
    if (limit.allowed) return true;
    res.setHeader('Retry-After', String(limit.retryAfterSeconds));
    errorPage(res, 429, 'TOO_MANY_REQUESTS', `Too many sign-in requests from your network. Please try again in ${limit.retryAfterSeconds} seconds.`);
    return false;
  };

  /**
   * A refusal before any signature was verified: anyone can cause one, so each tenant's provisioning log
   * takes at most UNVERIFIED_REFUSALS_PER_MINUTE of them a minute; the rest only reach the process log.
   */
  const refuseUnverified = async (scope: Scope, reason: SignInFailure, detail: string): Promise<DomainError> => {
    if (unverifiedRefusals.take(scope.tenantId)) return services.signIn.refuse(scope, reason, detail);
    logger.warn({ tenantId: scope.tenantId, reason, detail: detail.slice(0, 200) }, 'SAML sign-in refused (not logged as an event: too many)');
    return signInRefusal(reason, detail);
  };

  /** The tenant of the URL as a system scope for sign-in work; null (after a 404 page) when there is none. */
  const tenantScope = async (req: SamlRequest, res: ServerResponse): Promise<{ scope: Scope; slug: string } | null> => {
    const slug = String(req.params.tenant);
    const tenantId = await services.tenants.idOfSlug(slug);
    if (!tenantId) {
      errorPage(res, 404, 'UNKNOWN_TENANT', 'There is no such tenant.');
      return null;
    }
    return { slug, scope: { actor: SAML_ACTOR, source: 'SAML', requestId: requestIdOf(req), tenantId } };
  };

  const handle = <Q extends SamlRequest = Request, S extends ServerResponse = Response>(work: (req: Q, res: S) => Promise<void>) => async (req: Q, res: S) => {
    try {
      await work(req, res);
    } catch (error) {
      const unavailable = asUnavailable(error);
      if (unavailable) {
        res.setHeader('Retry-After', String(unavailable.details?.retryAfterSeconds ?? UNAVAILABLE_RETRY_AFTER_SECONDS));
        errorPage(res, 503, 'UNAVAILABLE', 'Sign-in is unavailable for a moment. Please try again shortly.');
        return;
      }
      if (error instanceof DomainError) {
        const reason = error.details?.reason;
        const status = reason === 'OTHER_TENANT_SESSION' ? 409 : error.code === 'UNAUTHENTICATED' ? 401 : error.code === 'NOT_FOUND' ? 404 : error.code === 'FORBIDDEN' ? 403 : 400;
        errorPage(res, status, String(reason ?? error.code), error.message);
        return;
      }
      logger.error({ err: error, reqId: req.id }, 'SAML request failed');
      errorPage(res, 500, 'INTERNAL', 'Sign-in failed on our side. Please try again.');
    }
  };

  const acsWork = handle(async (req: SamlRequest, res: ServerResponse) => {
    let form: PostedForm;
    try {
      form = await readPostedForm(req, ACS_FORM_LIMIT);
    } catch (error) {
      if (!(error instanceof FormRefusal)) throw error;
      errorPage(res, error.status, error.code, error.message);
      return;
    }
    const found = await tenantScope(req, res);
    if (!found) return;
    const { scope, slug } = found;
    const samlResponse = typeof form.SAMLResponse === 'string' ? form.SAMLResponse : '';
    if (!samlResponse) throw await refuseUnverified(scope, 'INVALID_RESPONSE', 'No SAMLResponse was posted');
    const connection = await services.saml.runtimeConnection(scope);
    if (!connection) throw await refuseUnverified(scope, 'NOT_CONFIGURED', 'SAML is not configured for this tenant');
    let assertion;
    try {
      assertion = await validateSamlResponse(samlResponse, connection, samlSpUrls(publicUrl, slug));
    } catch (error) {
      if (!(error instanceof SamlRejection)) throw error;
      throw error.verified
        ? await services.signIn.refuse(scope, 'INVALID_RESPONSE', error.message)
        : await refuseUnverified(scope, 'INVALID_RESPONSE', error.message);
    }
    // An IdP-initiated sign-in was not asked for by this browser: it must not silently swap the browser's
    // session of another tenant for one of this tenant (SP-initiated ones were, and do replace it).
    if (assertion.inResponseTo === null && (await hasLiveSessionOfAnotherTenant(req, services, scope.tenantId))) {
      throw await services.signIn.refuse(
        scope,
        'OTHER_TENANT_SESSION',
        'This browser is signed in to another organisation in Portico. Sign out there first, or start the sign-in from this organisation’s sign-in page.',
        { nameId: assertion.nameId },
      );
    }
    const requestCookie = assertion.inResponseTo ? `${REQUEST_COOKIE_PREFIX}${assertion.inResponseTo}` : null;
    const signedIn = await services.signIn.withAssertion(scope, assertion, requestCookie ? (cookieValue(req, requestCookie) ?? null) : null);
    // The request cookie was set for the ACS path: the path this request came to.
    if (requestCookie) clearCookie(res, requestCookie, { path: req.originalUrl.split('?')[0], secure: true, httpOnly: true, sameSite: 'none' });
    setSessionCookies(res, signedIn, scope.tenantId, secureCookie);
    seeOther(res, safeReturnTo(form.RelayState, publicUrl));
  });
  const acs = async (req: SamlRequest, res: ServerResponse): Promise<void> => {
    if (withinRate(req, res)) await acsWork(req, res);
  };
  // Before the rate limit of the other routes: the ACS takes its own.
  router.post('/acs', (req, res) => acs(req, res));
  router.use((req, res, next) => {
    if (withinRate(req, res)) next();
  });

  router.get(
    '/metadata',
    handle(async (req, res) => {
      const found = await tenantScope(req, res);
      if (!found) return;
      const urls = samlSpUrls(publicUrl, found.slug);
      const spCertificate = await services.saml.spCertificate(found.scope);
      const connection = (await services.saml.runtimeConnection(found.scope)) ?? placeholderConnection(found.scope.tenantId, spCertificate);
      const xml = serviceProvider({ ...connection, spPrivateKey: '' }, urls).generateServiceProviderMetadata(spCertificate, spCertificate);
      res.type('application/samlmetadata+xml').send(xml);
    }),
  );

  router.get(
    '/login',
    handle(async (req, res) => {
      const found = await tenantScope(req, res);
      if (!found) return;
      const urls = samlSpUrls(publicUrl, found.slug);
      const connection = await services.saml.runtimeConnection(found.scope);
      if (!connection) {
        errorPage(res, 409, 'NOT_CONFIGURED', 'SAML sign-in is not configured for this tenant yet.');
        return;
      }
      const requestId = `_${randomUUID()}`;
      // Bind the request to this browser (login CSRF). Entra posts the response cross-site, which only a
      // SameSite=None cookie survives, and browsers take those only over https: on a plain-http
      // development origin the request stays unbound.
      const browserProof = secureCookie ? randomBytes(32).toString('base64url') : undefined;
      await services.saml.rememberRequest(found.scope, requestId, browserProof);
      if (browserProof) {
        res.cookie(`${REQUEST_COOKIE_PREFIX}${requestId}`, browserProof, {
          httpOnly: true,
          secure: true,
          sameSite: 'none',
          path: new URL(urls.acsUrl).pathname,
          maxAge: PENDING_REQUEST_SECONDS * 1000,
        });
      }
      const returnTo = safeReturnTo(req.query.returnTo, publicUrl);
      const url = await serviceProvider(connection, urls, requestId).getAuthorizeUrlAsync(returnTo, undefined, {});
      res.redirect(302, url);
    }),
  );

  router.get(
    '/logout',
    handle(async (req, res) => {
      const found = await tenantScope(req, res);
      if (!found) return;
      const { scope, slug } = found;
      const urls = samlSpUrls(publicUrl, slug);
      const connection = await services.saml.runtimeConnection(scope);
      const originalQuery = req.originalUrl.split('?')[1] ?? '';

      if (/(^|&)SAMLRequest=/.test(originalQuery) || typeof req.query.SAMLRequest === 'string') {
        // The IdP ends a session: only a signed request by a pinned certificate may do that.
        if (!connection) throw new DomainError('NOT_FOUND', 'SAML is not configured for this tenant');
        let message: ReturnType<typeof strictRedirectQuery>;
        try {
          message = strictRedirectQuery(originalQuery);
        } catch (error) {
          throw new DomainError('UNAUTHENTICATED', `LogoutRequest refused: ${(error as Error).message}`);
        }
        if (!message.values.SAMLRequest || !message.values.Signature || !message.values.SigAlg) {
          throw new DomainError('UNAUTHENTICATED', 'An unsigned LogoutRequest is not accepted');
        }
        const sp = serviceProvider(connection, urls);
        let profile;
        try {
          ({ profile } = await sp.validateRedirectAsync(message.values, message.query));
        } catch (error) {
          throw new DomainError('UNAUTHENTICATED', `LogoutRequest refused: ${(error as Error).message}`);
        }
        if (!profile) throw new DomainError('BAD_USER_INPUT', 'The LogoutRequest names no one');
        const request = checkedLogoutRequest(() => parseUntrustedXml(message.xml ?? '').documentElement, connection, urls);
        const indexes = profile.sessionIndex ? [profile.sessionIndex] : [];
        await services.signIn.endIdpSessions(scope, request, profile.nameID, indexes);
        const relayState = message.values.RelayState ?? '';
        res.redirect(302, await sp.getLogoutResponseUrlAsync(profile, relayState, {}, true));
        return;
      }

      const returnTo = safeReturnTo(req.query.RelayState ?? req.query.returnTo, publicUrl);
      if (typeof req.query.SAMLResponse === 'string') {
        // The IdP confirms a logout we started; the session ended before we sent it.
        res.redirect(302, returnTo);
        return;
      }

      // SP-initiated: end our session, then ask the IdP to end its own.
      const credential = bearerOf(req, SESSION_COOKIE);
      const actor = credential && 'token' in credential ? await services.authenticator.authenticate(credential.token) : null;
      clearSessionCookies(res, secureCookie);
      if (!actor || actor.kind !== 'USER' || actor.tenantId !== scope.tenantId) {
        res.redirect(302, returnTo);
        return;
      }
      const userScope: Scope = { actor, source: 'SAML', requestId: requestIdOf(req), tenantId: scope.tenantId };
      const identity = await services.sessions.samlIdentity(userScope);
      await services.sessions.signOut(userScope);
      if (!connection || !identity || !connection.idpSloUrl) {
        res.redirect(302, returnTo);
        return;
      }
      const url = await serviceProvider(connection, urls).getLogoutUrlAsync(
        {
          issuer: connection.idpEntityId,
          nameID: identity.nameId,
          nameIDFormat: identity.nameIdFormat ?? 'urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified',
          sessionIndex: identity.sessionIndex ?? undefined,
        },
        returnTo,
        {},
      );
      res.redirect(302, url);
    }),
  );

  // An IdP LogoutRequest over the HTTP-POST binding: the binding Portico's SP metadata lists for logout.
  router.post(
    '/logout',
    express.urlencoded({ extended: false, limit: MAX_SAML_RESPONSE_BYTES * 2, parameterLimit: 10 }),
    handle(async (req, res) => {
      const found = await tenantScope(req, res);
      if (!found) return;
      const { scope, slug } = found;
      const connection = await services.saml.runtimeConnection(scope);
      if (!connection) throw new DomainError('NOT_FOUND', 'SAML is not configured for this tenant');
      const urls = samlSpUrls(publicUrl, slug);
      const sp = serviceProvider(connection, urls);
      const samlRequest = typeof req.body?.SAMLRequest === 'string' ? req.body.SAMLRequest : '';
      if (!samlRequest) throw new DomainError('BAD_USER_INPUT', 'No SAMLRequest was posted');
      let profile;
      let root: Element;
      try {
        root = readPostedXml(samlRequest);
        if (!childElement(root, NS.dsig, 'Signature')) throw new Error('An unsigned LogoutRequest is not accepted');
        ({ profile } = await sp.validatePostRequestAsync({ SAMLRequest: samlRequest }));
      } catch (error) {
        throw new DomainError('UNAUTHENTICATED', `LogoutRequest refused: ${(error as Error).message}`);
      }
      if (!profile) throw new DomainError('BAD_USER_INPUT', 'The LogoutRequest names no one');
      // The enveloped signature node-saml verified covers the root element: all of what is read here.
      const request = checkedLogoutRequest(() => root, connection, urls);
      await services.signIn.endIdpSessions(scope, request, profile.nameID, profile.sessionIndex ? [profile.sessionIndex] : []);
      const relayState = typeof req.body?.RelayState === 'string' ? req.body.RelayState : '';
      res.redirect(302, await sp.getLogoutResponseUrlAsync(profile, relayState, {}, true));
    }),
  );

  return { router, acs };
}

/** The checks node-saml leaves to us on a verified IdP LogoutRequest; a failure is a 401 saying why. */
function checkedLogoutRequest(root: () => Element, connection: SamlRuntimeConnection, urls: SamlSpUrls): IdpLogoutRequest {
  try {
    return checkIdpLogoutRequest(root(), connection, urls);
  } catch (error) {
    throw new DomainError('UNAUTHENTICATED', `LogoutRequest refused: ${(error as Error).message}`);
  }
}

/** SP metadata is needed before the IdP is configured (the admin copies it into Entra first). */
function placeholderConnection(tenantId: string, spCertificate: string) {
  return {
    tenantId,
    idpEntityId: 'unconfigured',
    idpSsoUrl: 'https://unconfigured.invalid/',
    idpSloUrl: null,
    idpCertificates: [spCertificate],
    spCertificate,
    spPrivateKey: '',
  };
}
