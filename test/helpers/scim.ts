import type { Scope } from '../../src/domain/shared/scope';
import { createTenant, type TestPortico } from './portico';

export interface ScimResult {
  status: number;
  headers: Headers;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

export interface ScimClient {
  baseUrl: string;
  token: string;
  scope: Scope;
  request(method: string, path: string, options?: { body?: unknown; rawBody?: string; headers?: Record<string, string>; token?: string | null }): Promise<ScimResult>;
  get(path: string, query?: Record<string, string>): Promise<ScimResult>;
  post(path: string, body: unknown): Promise<ScimResult>;
  put(path: string, body: unknown, headers?: Record<string, string>): Promise<ScimResult>;
  patch(path: string, body: unknown, headers?: Record<string, string>): Promise<ScimResult>;
  delete(path: string, headers?: Record<string, string>): Promise<ScimResult>;
}

/** A tenant with SCIM enabled and a token, and a client that talks to it over HTTP as Entra does. */
export async function scimTenant(portico: TestPortico, slug: string): Promise<ScimClient> {
  const scope = await createTenant(portico, slug);
  await portico.services.credentials.setScimEnabled(scope, true);
  const { token } = await portico.services.credentials.generateScimToken(scope);
  return scimClient(portico, slug, token, scope);
}

export function scimClient(portico: TestPortico, slug: string, token: string, scope: Scope): ScimClient {
  return { ...scimHttpClient(portico.url, slug, token), scope };
}

/** The same client for a Portico this test did not start in-process (a `node dist/src/main.js`, say). */
export function scimHttpClient(origin: string, slug: string, token: string): Omit<ScimClient, 'scope'> {
  const baseUrl = `${origin}/api/${slug}/scim/v2`;
  const request: ScimClient['request'] = async (method, path, options = {}) => {
    const headers: Record<string, string> = { ...options.headers };
    const bearer = options.token === undefined ? token : options.token;
    if (bearer) headers.authorization = `Bearer ${bearer}`;
    let body: string | undefined;
    if (options.rawBody !== undefined) body = options.rawBody;
    else if (options.body !== undefined) body = JSON.stringify(options.body);
    if (body !== undefined && !headers['content-type']) headers['content-type'] = 'application/scim+json';
    const response = await fetch(`${baseUrl}${path}`, { method, headers, body });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
  };
  return {
    baseUrl,
    token,
    request,
    get: (path, query) => request('GET', query ? `${path}?${new URLSearchParams(query)}` : path),
    post: (path, body) => request('POST', path, { body }),
    put: (path, body, headers) => request('PUT', path, { body, headers }),
    patch: (path, body, headers) => request('PATCH', path, { body, headers }),
    delete: (path, headers) => request('DELETE', path, { headers }),
  };
}
