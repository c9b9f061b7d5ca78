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
  // Another sign-in may not see what this one fetched.
  photos.clear();
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

/**
 * Users' photos (SPEC §6): the photo route wants a credential like every other, and an `<img src>` cannot
 * send a pasted token, so the console fetches the bytes itself, with the same credential as `gql`, and shows
 * them through an object URL. Kept for this sign-in by path with their ETag: showing one again asks only
 * whether it changed (`304`).
 */
const photos = new Map<string, { etag: string | null; blob: Blob }>();
const inFlight = new Map<string, Promise<Blob | null>>();
const PHOTOS_KEPT = 300;

/**
 * The photo at `url` (a `User.photoUrl`), or null when there is none or it could not be read. The API names
 * it under its PUBLIC_URL; the console asks the origin it was loaded from, as it does for /graphql, and so
 * never sends its credential to another origin.
 */
export function fetchPhoto(url: string): Promise<Blob | null> {
  let path: string;
  try {
    const parsed = new URL(url, window.location.href);
    path = `${parsed.pathname}${parsed.search}`;
  } catch {
    return Promise.resolve(null);
  }
  const pending = inFlight.get(path);
  if (pending) return pending;
  const request = (async () => {
    const cached = photos.get(path);
    const headers: Record<string, string> = { accept: 'image/*' };
    if (memoryToken) headers.authorization = `Bearer ${memoryToken}`;
    if (cached?.etag) headers['if-none-match'] = cached.etag;
    try {
      // no-store: the browser's cache stays out of it, so a 304 reaches this code and the kept copy is used.
      const response = await fetch(path, { headers, credentials: 'same-origin', cache: 'no-store' });
      if (response.status === 304 && cached) return cached.blob;
      if (!response.ok) {
        photos.delete(path);
        return null;
      }
      const blob = await response.blob();
      if (!blob.type.startsWith('image/')) return null;
      photos.delete(path);
      photos.set(path, { etag: response.headers.get('etag'), blob });
      if (photos.size > PHOTOS_KEPT) photos.delete(photos.keys().next().value!);
      return blob;
    } catch {
      return null;
    } finally {
      inFlight.delete(path);
    }
  })();
  inFlight.set(path, request);
  return request;
}
