import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import pino from 'pino';
import { entraUser } from '../fixtures/entra';
import type { FakeMicrosoft, FakeUser, PhotoMode } from '../fixtures/fake-microsoft';
import type { ScimClient } from './scim';

/**
 * Helpers for the directory-provider tests (issue 12). GraphQL goes as raw text (the operations are new to the
 * schema; codegen'd documents can replace these once the SDL has them), against any Portico origin: the
 * in-process one and `node dist/src/main.js` processes alike.
 */

export const PUBLIC_URL = 'https://portico.test';

/** Environment that points Portico at the fake and keeps every wait short. */
export function directoryEnv(fake: FakeMicrosoft, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PORTICO_LOGIN_URL: fake.loginUrl,
    PORTICO_GRAPH_URL: fake.graphUrl,
    PORTICO_DIRECTORY_SYNC_MINUTES: '0',
    PORTICO_DIRECTORY_PHOTO_TIMEOUT_SECONDS: '1',
    PORTICO_DIRECTORY_RETRY_AFTER_MAX_SECONDS: '2',
    PORTICO_DIRECTORY_SYNC_CONCURRENCY: '4',
    ...extra,
  };
}

export type SyncState = 'RUNNING' | 'SUCCEEDED' | 'FAILED';

export interface DirectorySyncView {
  id: string;
  state: SyncState;
  startedAt: string;
  finishedAt: string | null;
  photosDownloaded: number;
  photosUnchanged: number;
  photosSkipped: number;
  usersWithoutPhoto: number;
  error: string | null;
}

export interface DirectoryProviderView {
  directoryTenantId: string;
  clientId: string;
  secretExpiresAt: string | null;
  secretExpiresInDays: number | null;
  lastSync: DirectorySyncView | null;
}

export interface EventView {
  id: string;
  type: string;
  source: string;
  outcome: 'SUCCESS' | 'FAILURE';
  error: string | null;
  subjectType: string;
  subjectId: string | null;
  summary: string;
  detail: Record<string, unknown> | null;
  occurredAt: string;
}

export const SYNC_FIELDS = 'id state startedAt finishedAt photosDownloaded photosUnchanged photosSkipped usersWithoutPhoto error';
export const PROVIDER_FIELDS = `directoryTenantId clientId secretExpiresAt secretExpiresInDays lastSync { ${SYNC_FIELDS} }`;

export interface GqlAnswer<T> {
  status: number;
  data?: T | null;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
  /** The answer's body as received (to look for secrets in it). */
  text: string;
}

export interface Auth {
  /** Bearer token; null sends none. */
  token?: string | null;
  /** A `Cookie` header (`portico_session=…`). */
  cookie?: string;
}

/** Raw GraphQL text over HTTP. */
export async function gql<T = Record<string, unknown>>(origin: string, query: string, variables: Record<string, unknown> = {}, auth: Auth = {}): Promise<GqlAnswer<T>> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (auth.token) headers.authorization = `Bearer ${auth.token}`;
  if (auth.cookie) headers.cookie = auth.cookie;
  const response = await fetch(`${origin}/graphql`, { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
  const text = await response.text();
  const body = JSON.parse(text) as { data?: T | null; errors?: GqlAnswer<T>['errors'] };
  return { status: response.status, data: body.data, errors: body.errors, text };
}

export const codes = (answer: { errors?: { extensions?: Record<string, unknown> }[] }) => (answer.errors ?? []).map((e) => e.extensions?.code);

export interface ProviderInput {
  directoryTenantId: string;
  clientId: string;
  clientSecret: string;
  secretExpiresAt?: string | null;
}

/** The values an administrator would paste for the fake's app registration (with overrides). */
export const inputFor = (fake: FakeMicrosoft, overrides: Partial<ProviderInput> = {}): ProviderInput => ({
  directoryTenantId: fake.app.directoryTenantId,
  clientId: fake.app.clientId,
  clientSecret: fake.app.clientSecret,
  ...overrides,
});

/** The directory-provider operations of one tenant, as one caller. Every GraphQL answer is kept in `answers`. */
export function directoryApi(origin: string, slug: string, auth: Auth) {
  const answers: string[] = [];
  const call = async <T>(query: string, variables: Record<string, unknown> = {}, as: Auth = auth) => {
    const answer = await gql<T>(origin, query, { tenant: slug, ...variables }, as);
    answers.push(answer.text);
    return answer;
  };
  const expectData = <T>(answer: GqlAnswer<T>, what: string): T => {
    if (answer.errors?.length || !answer.data) throw new Error(`${what} failed: ${answer.text}`);
    return answer.data;
  };
  const api = {
    answers,
    configureRaw: (input: ProviderInput, as?: Auth) =>
      call<{ configureDirectoryProvider: DirectoryProviderView }>(
        `mutation($tenant: String, $input: DirectoryProviderInput!) { configureDirectoryProvider(tenant: $tenant, input: $input) { ${PROVIDER_FIELDS} } }`,
        { input },
        as,
      ),
    async configure(input: ProviderInput): Promise<DirectoryProviderView> {
      return expectData(await api.configureRaw(input), 'configureDirectoryProvider').configureDirectoryProvider;
    },
    testRaw: (as?: Auth) => call<{ testDirectoryProvider: { ok: boolean; message: string } }>(`mutation($tenant: String) { testDirectoryProvider(tenant: $tenant) { ok message } }`, {}, as),
    async test(): Promise<{ ok: boolean; message: string }> {
      return expectData(await api.testRaw(), 'testDirectoryProvider').testDirectoryProvider;
    },
    syncRaw: (as?: Auth) => call<{ syncDirectory: DirectorySyncView }>(`mutation($tenant: String) { syncDirectory(tenant: $tenant) { ${SYNC_FIELDS} } }`, {}, as),
    /** Starts a sync (or gets the running one). */
    async startSync(): Promise<DirectorySyncView> {
      return expectData(await api.syncRaw(), 'syncDirectory').syncDirectory;
    },
    removeRaw: (as?: Auth) => call<{ removeDirectoryProvider: boolean }>(`mutation($tenant: String) { removeDirectoryProvider(tenant: $tenant) }`, {}, as),
    providerRaw: (as?: Auth) =>
      call<{ tenant: { directoryProvider: DirectoryProviderView | null } | null }>(`query($tenant: String) { tenant(tenant: $tenant) { directoryProvider { ${PROVIDER_FIELDS} } } }`, {}, as),
    async provider(): Promise<DirectoryProviderView | null> {
      return expectData(await api.providerRaw(), 'tenant.directoryProvider').tenant?.directoryProvider ?? null;
    },
    /** Polls `lastSync` until the sync `id` (or the latest) is no longer RUNNING. */
    async waitForSync(id?: string, timeoutMs = 20_000): Promise<DirectorySyncView> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const last = (await api.provider())?.lastSync;
        if (last && (!id || last.id === id) && last.state !== 'RUNNING') return last;
        if (Date.now() > deadline) throw new Error(`sync ${id ?? ''} still not finished after ${timeoutMs} ms: ${JSON.stringify(last)}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    /** Starts a sync and waits for its end. */
    async sync(timeoutMs?: number): Promise<DirectorySyncView> {
      const started = await api.startSync();
      return api.waitForSync(started.id, timeoutMs);
    },
    /** The tenant's provisioning events of these types, oldest first. */
    async events(types: string[]): Promise<EventView[]> {
      const answer = await call<{ provisioningEvents: { edges: { node: EventView }[] } }>(
        `query($tenant: String, $filter: ProvisioningEventFilter) {
          provisioningEvents(tenant: $tenant, first: 100, filter: $filter) {
            edges { node { id type source outcome error subjectType subjectId summary detail occurredAt } }
          }
        }`,
        { filter: { types } },
      );
      const nodes = expectData(answer, 'provisioningEvents').provisioningEvents.edges.map((e) => e.node);
      return nodes.sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : 1));
    },
    async photoUrl(userId: string): Promise<string | null> {
      const answer = await call<{ user: { photoUrl: string | null } | null }>(`query($tenant: String, $id: ID!) { user(tenant: $tenant, id: $id) { photoUrl } }`, { id: userId });
      return expectData(answer, 'user.photoUrl').user?.photoUrl ?? null;
    },
  };
  return api;
}
export type DirectoryApi = ReturnType<typeof directoryApi>;

/** A person Entra provisions over SCIM and that Graph knows. */
export interface EntraPerson {
  userName: string;
  /**
   * What Entra sends as externalId: `objectId` (the fake's GUID: the mapping sends objectId), `mailNickname`
   * (Entra's default), or a literal value.
   */
  externalId?: 'objectId' | 'mailNickname' | string;
  /** The userPrincipalName Graph knows (default: the userName). */
  userPrincipalName?: string;
  /** The Entra object id (default: a new GUID). */
  objectId?: string;
  photo?: Buffer | null;
  contentType?: string;
  mode?: PhotoMode;
  /** Provision over SCIM but leave Graph without such a user. */
  unknownToGraph?: boolean;
  /** The display name Entra sends (default: entraUser's). */
  displayName?: string;
}

export interface ProvisionedPerson {
  /** Portico's (SCIM) id. */
  id: string;
  userName: string;
  fake: FakeUser | null;
}

/** Creates each person in Graph (the fake) and provisions them into Portico over SCIM, as Entra would. */
export async function provisionPeople(scim: Pick<ScimClient, 'post'>, fake: FakeMicrosoft, people: EntraPerson[]): Promise<ProvisionedPerson[]> {
  const created: ProvisionedPerson[] = [];
  for (const person of people) {
    const objectId = person.objectId ?? randomUUID();
    const fakeUser = person.unknownToGraph
      ? null
      : fake.addUser({
          id: objectId,
          userPrincipalName: person.userPrincipalName ?? person.userName,
          photo: person.photo ? { bytes: person.photo, ...(person.contentType && { contentType: person.contentType }) } : null,
          mode: person.mode,
        });
    const mode = person.externalId ?? 'objectId';
    const externalId = mode === 'objectId' ? objectId : mode === 'mailNickname' ? person.userName.split('@')[0] : mode;
    const response = await scim.post('/Users', { ...entraUser({ userName: person.userName, displayName: person.displayName }), externalId });
    if (response.status !== 201) throw new Error(`SCIM create of ${person.userName}: ${response.status} ${JSON.stringify(response.body)}`);
    created.push({ id: response.body.id as string, userName: person.userName, fake: fakeUser });
  }
  return created;
}

export interface PhotoAnswer {
  status: number;
  headers: Headers;
  bytes: Buffer;
}

const authHeaders = (auth: Auth): Record<string, string> => ({
  ...(auth.token && { authorization: `Bearer ${auth.token}` }),
  ...(auth.cookie && { cookie: auth.cookie }),
});

/** GET /api/{tenant}/users/{id}/photo. */
export async function getPhoto(origin: string, slug: string, userId: string, auth: Auth & { ifNoneMatch?: string } = {}): Promise<PhotoAnswer> {
  const response = await fetch(`${origin}/api/${slug}/users/${userId}/photo`, {
    headers: { ...authHeaders(auth), ...(auth.ifNoneMatch && { 'if-none-match': auth.ifNoneMatch }) },
  });
  return { status: response.status, headers: response.headers, bytes: Buffer.from(await response.arrayBuffer()) };
}

/** PUT /api/{tenant}/users/{id}/photo with raw bytes (labelled `contentType`, default image/jpeg). */
export async function putPhoto(origin: string, slug: string, userId: string, bytes: Buffer, auth: Auth & { contentType?: string } = {}): Promise<PhotoAnswer> {
  const response = await fetch(`${origin}/api/${slug}/users/${userId}/photo`, {
    method: 'PUT',
    headers: { ...authHeaders(auth), 'content-type': auth.contentType ?? 'image/jpeg' },
    body: new Uint8Array(bytes),
  });
  return { status: response.status, headers: response.headers, bytes: Buffer.from(await response.arrayBuffer()) };
}

/** The value of one sample of a Prometheus metric on `/metrics` (loopback), or undefined when absent. */
export async function metricValue(origin: string, name: string, labels: Record<string, string>): Promise<number | undefined> {
  const text = await (await fetch(`${origin}/metrics`)).text();
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const match = /^[^{\s]+(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!match) continue;
    const found = Object.fromEntries([...(match[1] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([k, v]) => found[k] === v)) return Number(match[2]);
  }
  return undefined;
}

/** A pino logger writing every line (at `level`) to memory, for tests that read the logs. */
export function captureLogs(level: pino.LevelWithSilent = 'trace') {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  return { logger: pino({ level }, sink), lines, text: () => lines.join('\n') };
}

/** A date `days` from now (negative: in the past), as GraphQL DateTime text. */
export const daysFromNow = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString();

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
