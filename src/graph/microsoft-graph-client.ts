import { GraphProblem, type DirectoryApp, type DirectoryGraph, type GraphToken, type PhotoMetadata } from '../domain/directory-provider/graph-port';

/** Microsoft's error bodies are small; anything longer is cut (it is read only for its code). */
const MAX_ERROR_BODY_BYTES = 64 * 1024;

/** AADSTS codes of the login endpoint that an administrator can fix, by what they mean. */
const LOGIN_PROBLEMS: Record<string, GraphProblem['kind']> = {
  '7000215': 'SECRET_INVALID',
  '7000222': 'SECRET_EXPIRED',
  '700016': 'CLIENT_UNKNOWN',
  '90002': 'TENANT_UNKNOWN',
  '900023': 'TENANT_UNKNOWN',
};

/**
 * The Microsoft login endpoint and Microsoft Graph over HTTP (the adapter of the `DirectoryGraph` port). The
 * base URLs are configuration (PORTICO_LOGIN_URL, PORTICO_GRAPH_URL) so tests run it against a local server.
 */
export class MicrosoftGraphClient implements DirectoryGraph {
  private readonly loginUrl: string;
  private readonly graphUrl: string;

  constructor(loginUrl: string, graphUrl: string) {
    this.loginUrl = loginUrl.replace(/\/+$/, '');
    this.graphUrl = graphUrl.replace(/\/+$/, '');
  }

  async token(app: DirectoryApp, signal?: AbortSignal): Promise<GraphToken> {
    const url = `${this.loginUrl}/${encodeURIComponent(app.directoryTenantId)}/oauth2/v2.0/token`;
    const body = new URLSearchParams({
      client_id: app.clientId,
      client_secret: app.clientSecret,
      scope: GRAPH_SCOPE,
      grant_type: 'client_credentials',
    });
    const response = await send(url, { method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded' } }, signal);
    const text = await readText(response, url, signal);
    const json = parseJson(text) as { access_token?: unknown; expires_in?: unknown; error?: unknown; error_description?: unknown; error_codes?: unknown } | null;
    if (response.ok && json && typeof json.access_token === 'string') {
      const expiresIn = Number(json.expires_in);
      return { accessToken: json.access_token, expiresAt: Date.now() + (Number.isFinite(expiresIn) && expiresIn > 0 ? expiresIn : 3599) * 1000 };
    }
    const description = typeof json?.error_description === 'string' ? json.error_description : '';
    const codes = Array.isArray(json?.error_codes) ? json.error_codes.map(String) : [];
    const code = codes[0] ?? /AADSTS(\d+)/.exec(description)?.[1];
    const firstLine = description.split(/\r?\n/)[0] || `HTTP ${response.status}`;
    const kind = (code && LOGIN_PROBLEMS[code]) || 'UNEXPECTED';
    throw new GraphProblem(kind, firstLine, { code: code ? `AADSTS${code}` : typeof json?.error === 'string' ? json.error : undefined, status: response.status });
  }

  async anyUserId(token: GraphToken, signal?: AbortSignal): Promise<string | null> {
    const url = `${this.graphUrl}/v1.0/users?$top=1&$select=id`;
    const response = await send(url, { headers: authorization(token) }, signal);
    if (!response.ok) throw await graphProblemOf(response, url, signal);
    const json = parseJson(await readText(response, url, signal)) as { value?: { id?: unknown }[] } | null;
    const id = json?.value?.[0]?.id;
    return typeof id === 'string' ? id : null;
  }

  async photoMetadata(token: GraphToken, userRef: string, signal?: AbortSignal): Promise<PhotoMetadata> {
    const url = `${this.graphUrl}/v1.0/users/${encodeURIComponent(userRef)}/photo`;
    const response = await send(url, { headers: authorization(token) }, signal);
    if (response.status === 404) {
      const code = errorCodeOf(await readText(response, url, signal));
      return code === 'Request_ResourceNotFound' ? { kind: 'unknown-user' } : { kind: 'none' };
    }
    if (!response.ok) throw await graphProblemOf(response, url, signal);
    const json = parseJson(await readText(response, url, signal)) as Record<string, unknown> | null;
    const etag = json?.['@odata.mediaEtag'];
    // Without an ETag the photo cannot be known unchanged: an empty one never matches, so it is downloaded.
    return { kind: 'photo', etag: typeof etag === 'string' ? etag : '' };
  }

  async downloadPhoto(token: GraphToken, userRef: string, maxBytes: number, signal: AbortSignal): Promise<Buffer> {
    const url = `${this.graphUrl}/v1.0/users/${encodeURIComponent(userRef)}/photo/$value`;
    const response = await send(url, { headers: authorization(token) }, signal);
    if (!response.ok) throw await graphProblemOf(response, url, signal);
    const declared = Number(response.headers.get('content-length'));
    if (Number.isFinite(declared) && declared > maxBytes) {
      await response.body?.cancel().catch(() => undefined);
      throw new GraphProblem('TOO_LARGE', `The photo of ${userRef} is ${declared} bytes, more than ${maxBytes}`);
    }
    const chunks: Uint8Array[] = [];
    let total = 0;
    const reader = response.body?.getReader();
    if (!reader) return Buffer.alloc(0);
    const stopReading = cancelOnAbort(reader, signal);
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        total += value.byteLength;
        if (total > maxBytes) {
          await reader.cancel().catch(() => undefined);
          throw new GraphProblem('TOO_LARGE', `The photo of ${userRef} is larger than ${maxBytes} bytes`);
        }
        chunks.push(value);
      }
      // A cancelled read ends like a finished one: only the signal tells a cut-off body from a whole one.
      if (signal.aborted) throw signal.reason;
    } catch (error) {
      throw asNetworkProblem(error, url, signal);
    } finally {
      stopReading();
    }
    return Buffer.concat(chunks, total);
  }
}

/** What tokens are asked for: Graph's application permissions, whatever URL this process reaches Graph at (tests). */
const GRAPH_SCOPE = 'https://graph.microsoft.com/.default';

const authorization = (token: GraphToken) => ({ authorization: `Bearer ${token.accessToken}` });

async function send(url: string, init: RequestInit, signal?: AbortSignal): Promise<Response> {
  try {
    const request = fetch(url, { ...init, signal, redirect: 'error' });
    return await (signal ? untilAborted(request, signal) : request);
  } catch (error) {
    throw asNetworkProblem(error, url, signal);
  }
}

/** The response, or the signal's reason as soon as it aborts (not only when fetch notices); a late response is let go. */
function untilAborted(request: Promise<Response>, signal: AbortSignal): Promise<Response> {
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      reject(signal.reason);
      void request.then((late) => late.body?.cancel()).catch(() => undefined);
    };
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    request.then(
      (response) => {
        signal.removeEventListener('abort', onAbort);
        resolve(response);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/** A failed or aborted exchange as a problem: a timeout says so, anything else names what could not be reached. */
function asNetworkProblem(error: unknown, url: string, signal?: AbortSignal): unknown {
  if (error instanceof GraphProblem) return error;
  const host = new URL(url).host;
  if (signal?.aborted) {
    const reason = signal.reason as { name?: string } | undefined;
    if (reason?.name === 'TimeoutError') return new GraphProblem('TIMEOUT', `${host} did not answer in time`, { host });
    return reason ?? error;
  }
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  const why = cause?.code ?? cause?.message ?? (error as Error).message;
  return new GraphProblem('UNREACHABLE', `could not reach ${host} (${why})`, { host });
}

/**
 * Cancels the body's reader when `signal` aborts. fetch's own abort of a body being read is not to be relied
 * on in Node 20 (a photo trickling past its time limit was seen to be read to its end): this one is.
 */
function cancelOnAbort(reader: ReadableStreamDefaultReader<Uint8Array>, signal: AbortSignal | undefined): () => void {
  if (!signal) return () => undefined;
  const cancel = () => void reader.cancel(signal.reason).catch(() => undefined);
  if (signal.aborted) cancel();
  else signal.addEventListener('abort', cancel, { once: true });
  return () => signal.removeEventListener('abort', cancel);
}

/** The body as text (bounded); a body that stalls or breaks off is a network problem like a failed request. */
async function readText(response: Response, url: string, signal?: AbortSignal): Promise<string> {
  const reader = response.body?.getReader();
  if (!reader) return '';
  const stopReading = cancelOnAbort(reader, signal);
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      chunks.push(value);
      if (total > MAX_ERROR_BODY_BYTES) {
        await reader.cancel().catch(() => undefined);
        break;
      }
    }
    if (signal?.aborted) throw signal.reason;
  } catch (error) {
    throw asNetworkProblem(error, url, signal);
  } finally {
    stopReading();
  }
  return Buffer.concat(chunks).toString('utf8');
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

function errorCodeOf(text: string): string | undefined {
  const code = (parseJson(text) as { error?: { code?: unknown } } | null)?.error?.code;
  return typeof code === 'string' ? code : undefined;
}

async function graphProblemOf(response: Response, url: string, signal?: AbortSignal): Promise<GraphProblem> {
  const text = await readText(response, url, signal).catch((error: unknown) => {
    if (signal?.aborted) throw error;
    return '';
  });
  const error = (parseJson(text) as { error?: { code?: unknown; message?: unknown } } | null)?.error;
  const code = typeof error?.code === 'string' ? error.code : undefined;
  const message = typeof error?.message === 'string' ? error.message : `HTTP ${response.status}`;
  const status = response.status;
  if (status === 401) return new GraphProblem('TOKEN_REJECTED', message, { code, status });
  if (status === 403) return new GraphProblem('PERMISSION_MISSING', message, { code, status });
  if (status === 429 || status === 503) {
    return new GraphProblem('THROTTLED', message, { code, status, retryAfterMs: retryAfterMs(response.headers.get('retry-after')) });
  }
  return new GraphProblem('UNEXPECTED', message, { code, status });
}

/** `Retry-After`: seconds, or an HTTP date. */
function retryAfterMs(value: string | null): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}
