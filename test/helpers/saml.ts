import { inflateRawSync } from 'node:zlib';
import { expect } from 'vitest';
import { samlSpUrls, type SamlSpUrls } from '../../src/config/urls';
import { ConfigureSamlDocument, UpdateTenantSettingsDocument, ViewerDocument } from '../generated/graphql';
import { createTestIdp, encodeSamlResponse, federationMetadataXml, signInResponseXml, type SignInResponseOptions, type TestIdp } from '../fixtures/saml-idp';
import { sql } from './database';
import type { TestPortico } from './portico';
import { scimTenant, type ScimClient } from './scim';

export const PUBLIC_URL = 'https://portico.test';

export interface AcsResult {
  status: number;
  location: string | null;
  /** The portico_session cookie value, when one was set. */
  session: string | null;
  /** The reason code of a refusal (X-Portico-Error). */
  error: string | null;
}

export interface SamlTenant {
  slug: string;
  idp: TestIdp;
  scim: ScimClient;
  urls: SamlSpUrls;
  /** Response options for a sign-in of `nameId` at this tenant (SP values filled in). */
  response(nameId: string, extra?: Partial<SignInResponseOptions>): SignInResponseOptions;
  /** Builds, signs and posts a response; returns what the browser would get. */
  signIn(nameId: string, extra?: Partial<SignInResponseOptions>, relayState?: string): Promise<AcsResult>;
  /** Posts response XML as is (base64-encoded here). */
  postXml(xml: string, relayState?: string): Promise<AcsResult>;
  /**
   * Starts an SP-initiated sign-in; returns the AuthnRequest id, where the browser is sent, and the cookie
   * binding the request to this browser (signIn/postXml send every such cookie the tenant handed out).
   */
  startLogin(returnTo?: string): Promise<{ requestId: string; location: URL; relayState: string | null; cookie: string | null }>;
}

/** A tenant with SCIM on and SAML configured from Entra-shaped metadata of a fresh test IdP. */
export async function samlTenant(
  portico: TestPortico,
  slug: string,
  settings: { idpInitiatedSignIn?: boolean; jitSignIn?: boolean } = {},
): Promise<SamlTenant> {
  const scim = await scimTenant(portico, slug);
  const idp = createTestIdp();
  const configured = await portico.gql(ConfigureSamlDocument, { tenant: slug, input: { metadataXml: federationMetadataXml(idp) } });
  expect(configured.errors).toBeUndefined();
  if (settings.idpInitiatedSignIn || settings.jitSignIn) {
    const updated = await portico.gql(UpdateTenantSettingsDocument, { tenant: slug, input: settings });
    expect(updated.errors).toBeUndefined();
  }
  const urls = samlSpUrls(PUBLIC_URL, slug);
  const response = (nameId: string, extra: Partial<SignInResponseOptions> = {}): SignInResponseOptions => ({
    acsUrl: urls.acsUrl,
    audience: urls.entityId,
    nameId,
    ...extra,
  });
  // The browser's cookie jar for the ACS: every request-binding cookie /login handed out.
  const jar: string[] = [];
  const postXml = (xml: string, relayState?: string) => postAcs(portico, slug, encodeSamlResponse(xml), relayState, jar.join('; '));
  return {
    slug,
    idp,
    scim,
    urls,
    response,
    postXml,
    signIn: (nameId, extra, relayState) => postXml(signInResponseXml(idp, response(nameId, extra)), relayState),
    startLogin: async (returnTo?: string) => {
      const query = returnTo === undefined ? '' : `?returnTo=${encodeURIComponent(returnTo)}`;
      const answer = await fetch(`${portico.url}/api/${slug}/saml/login${query}`, { redirect: 'manual' });
      expect(answer.status).toBe(302);
      const location = new URL(answer.headers.get('location')!);
      const request = inflateRawSync(Buffer.from(location.searchParams.get('SAMLRequest')!, 'base64')).toString('utf8');
      const requestId = /\sID="([^"]+)"/.exec(request)![1];
      const setCookie = answer.headers.getSetCookie().find((c) => c.startsWith(`portico_saml_${requestId}=`));
      const cookie = setCookie ? setCookie.split(';')[0] : null;
      if (cookie) jar.push(cookie);
      return { requestId, location, relayState: location.searchParams.get('RelayState'), cookie };
    },
  };
}

/** POSTs a SAMLResponse form to a tenant's ACS without following the redirect. */
export async function postAcs(portico: TestPortico, slug: string, samlResponse: string, relayState?: string, cookie?: string): Promise<AcsResult> {
  const form = new URLSearchParams({ SAMLResponse: samlResponse });
  if (relayState !== undefined) form.set('RelayState', relayState);
  const answer = await fetch(`${portico.url}/api/${slug}/saml/acs`, {
    method: 'POST',
    body: form,
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...(cookie && { cookie }) },
    redirect: 'manual',
  });
  await answer.arrayBuffer();
  const sessionCookie = answer.headers.getSetCookie().find((c) => c.startsWith('portico_session='));
  return {
    status: answer.status,
    location: answer.headers.get('location'),
    session: sessionCookie ? decodeURIComponent(sessionCookie.split(';')[0].slice('portico_session='.length)) : null,
    error: answer.headers.get('x-portico-error'),
  };
}

/** Rows of the sign-in events of a tenant, oldest first. */
export async function signInEvents(portico: TestPortico, slug: string) {
  return sql<{ type: string; outcome: string; error: string | null; detail: Record<string, unknown> | null; subject_id: string | null }>(
    portico.databaseUrl,
    `select e.type, e.outcome, e.error, e.detail, e.subject_id from provisioning_events e join tenants t on t.id = e.tenant_id
      where t.slug = $1 and e.type in ('SIGN_IN_SUCCEEDED', 'SIGN_IN_FAILED') order by e.id`,
    [slug],
  );
}

/** Live sessions of a tenant. */
export async function sessionCount(portico: TestPortico, slug: string): Promise<number> {
  const [row] = await sql<{ n: string }>(
    portico.databaseUrl,
    `select count(*) as n from sessions s join tenants t on t.id = s.tenant_id where t.slug = $1 and s.revoked_at is null`,
    [slug],
  );
  return Number(row.n);
}

/** Who a session token is, as GraphQL's `viewer` sees it; null when the session is not (or no longer) valid. */
export async function viewerOf(portico: TestPortico, session: string) {
  return (await portico.gql(ViewerDocument, {}, { token: session })).data?.viewer ?? null;
}
