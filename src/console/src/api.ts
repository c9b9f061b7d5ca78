import type { DocumentTypeDecoration } from '@graphql-typed-document-node/core';

/** A refusal or failure of the API, with its stable `extensions.code` and a message meant for people. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

const TOKEN_KEY = 'portico.console.token';

/** A pasted token lives in this tab's session storage; a SAML sign-in uses the HttpOnly session cookie instead. */
export const storedToken = (): string | null => {
  try {
    return sessionStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
};
export const storeToken = (token: string | null) => {
  try {
    if (token) sessionStorage.setItem(TOKEN_KEY, token);
    else sessionStorage.removeItem(TOKEN_KEY);
  } catch {
    // Storage refused (private mode): the token then lasts until the page is left.
  }
  memoryToken = token;
};
let memoryToken: string | null = storedToken();

export type Operation<R, V> = DocumentTypeDecoration<R, V> & { toString(): string };

const explain: Record<string, string> = {
  UNAUTHENTICATED: 'You are not signed in, or your sign-in has ended.',
  FORBIDDEN: 'You are not allowed to do this.',
  NOT_FOUND: 'Not found.',
  SERVICE_UNAVAILABLE: 'Portico is unavailable right now; try again in a moment.',
  INTERNAL_SERVER_ERROR: 'Portico failed to answer; try again in a moment.',
};

/** Runs one operation of the public GraphQL API over HTTP, as any other client does. */
export async function gql<R, V>(operation: Operation<R, V>, variables?: V): Promise<R> {
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
  if (memoryToken) headers.authorization = `Bearer ${memoryToken}`;
  let response: Response;
  try {
    response = await fetch('/graphql', {
      method: 'POST',
      headers,
      credentials: 'same-origin',
      body: JSON.stringify({ query: operation.toString(), variables: variables ?? {} }),
    });
  } catch {
    throw new ApiError('Portico could not be reached. Check your connection and try again.', 'NETWORK');
  }
  let body: { data?: R | null; errors?: { message: string; extensions?: { code?: string } }[] };
  try {
    body = await response.json();
  } catch {
    throw new ApiError(`Portico answered ${response.status} ${response.statusText} without a GraphQL body.`, 'HTTP');
  }
  const error = body.errors?.[0];
  if (error) {
    const code = error.extensions?.code ?? 'ERROR';
    const general = explain[code];
    const message = code === 'INTERNAL_SERVER_ERROR' || !error.message ? (general ?? 'The request failed.') : error.message;
    throw new ApiError(general && general !== message && code !== 'NOT_FOUND' ? `${general} ${message}` : message, code);
  }
  if (!body.data) throw new ApiError('Portico sent no data.', 'EMPTY');
  return body.data;
}

/** The credential for the graphql-ws connection: the pasted token, else the cookie the browser sends itself. */
export const wsAuthorization = () => (memoryToken ? { authorization: `Bearer ${memoryToken}` } : {});
