/** The cookie SAML sign-in sets (SPEC §3.3); GraphQL accepts it in place of a bearer token. */
export const SESSION_COOKIE = 'portico_session';
