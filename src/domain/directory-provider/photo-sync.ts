import { setMaxListeners } from 'node:events';
import { withDeadline } from '../shared/deadline';
import { DomainError } from '../shared/domain-error';
import type { PhotoService } from '../photos/photo.service';
import { MAX_PHOTO_BYTES } from '../photos/image-type';
import { photoRepository } from '../photos/photo.repository';
import type { Scope } from '../shared/scope';
import type { UnitOfWork } from '../shared/unit-of-work';
import { directoryProviderRepository, type SyncCounts, type SyncUser } from './directory-provider.repository';
import { GraphProblem, type DirectoryGraph, type GraphToken } from './graph-port';
import { graphUserRef } from './graph-reference';

/** How a sync treats Graph. */
export interface PhotoSyncLimits {
  /** Users handled at once (Graph requests in flight). */
  concurrency: number;
  /** The total time one photo download may take (SPEC §6: 15 s); also bounds each metadata request. */
  photoTimeoutMs: number;
  /** The longest `Retry-After` honoured; a longer wait is cut to this. */
  maxRetryAfterMs: number;
  /** Attempts of one request throttled by Graph (429/503) before the user is skipped for this sync. */
  throttledAttempts: number;
}

export const DEFAULT_PHOTO_SYNC_LIMITS: PhotoSyncLimits = {
  concurrency: 8,
  photoTimeoutMs: 15_000,
  maxRetryAfterMs: 60_000,
  throttledAttempts: 4,
};

/** Users read from the database at a time: the sync holds one page, never the whole directory. */
const USER_PAGE_SIZE = 200;
/** Photos being written at once by one sync. */
const MAX_STORES_IN_FLIGHT = 4;
/** Attempts of a request whose connection failed (a reset keep-alive socket) before the sync gives up. */
const UNREACHABLE_ATTEMPTS = 3;
/** When Graph says 429/503 without Retry-After. */
const DEFAULT_RETRY_AFTER_MS = 1_000;

/** Problems that stop the whole sync: no user's photo can be read while they last. */
const FATAL_PROBLEMS = new Set<GraphProblem['kind']>([
  'SECRET_INVALID',
  'SECRET_EXPIRED',
  'CLIENT_UNKNOWN',
  'TENANT_UNKNOWN',
  'PERMISSION_MISSING',
  'TOKEN_REJECTED',
  'LOGIN_FAILED',
  'UNREACHABLE',
]);

/** A token source that reuses its token until it expires, and gets a new one when Graph rejects it. */
export interface TokenSource {
  current(signal?: AbortSignal): Promise<GraphToken>;
  /** Forgets `rejected` (if it is still the current one) and gets a new token. */
  renew(rejected: GraphToken, signal?: AbortSignal): Promise<GraphToken>;
}

export interface PhotoSyncOutcome {
  counts: SyncCounts;
  /** The problem that stopped the sync, or undefined when every user was handled. */
  fatal?: GraphProblem;
}

/**
 * One sync of a tenant's photos from Graph. For each live user: the photo's metadata; when its ETag is the one
 * seen at the last sync, nothing more; else the photo, streamed with a size and time limit, checked and
 * stored. A user whose photo is too large, too slow, throttled for too long or not an image is skipped and
 * counted; the sync goes on. A problem with the app itself (its secret, its permission) stops the sync.
 */
export class PhotoSyncRun {
  readonly counts: SyncCounts = { photosDownloaded: 0, photosUnchanged: 0, photosSkipped: 0, usersWithoutPhoto: 0 };
  private fatal: GraphProblem | undefined;
  private readonly stopAll = new AbortController();
  private pending: SyncUser[] = [];
  private lastUserId: string | null = null;
  private exhausted = false;
  private loading: Promise<void> | undefined;

  constructor(
    private readonly deps: {
      uow: UnitOfWork;
      graph: DirectoryGraph;
      photos: PhotoService;
      tokens: TokenSource;
      /** The system's scope in the tenant, source DIRECTORY_SYNC. */
      scope: Scope;
      limits: PhotoSyncLimits;
      /** Aborted when the process stops. */
      signal: AbortSignal;
      /** Told of each user skipped, with why (for the log). */
      onSkipped?: (user: SyncUser, reason: string) => void;
      /** Told of a failure that is Portico's own (a database error), which stops the sync. */
      onUnexpected?: (error: unknown) => void;
    },
  ) {
    deps.signal.addEventListener('abort', () => this.stopAll.abort(deps.signal.reason), { once: true });
    // Every request in flight listens for the sync's end: `concurrency` of them, plus waits and stores.
    setMaxListeners(0, this.stopAll.signal);
  }

  async run(): Promise<PhotoSyncOutcome> {
    try {
      await this.deps.tokens.current(this.stopAll.signal);
    } catch (error) {
      if (!(error instanceof GraphProblem)) this.deps.onUnexpected?.(error);
      return { counts: this.counts, fatal: asProblem(error) };
    }
    await Promise.all(Array.from({ length: Math.max(1, this.deps.limits.concurrency) }, () => this.worker()));
    await Promise.all(this.storing);
    if (!this.fatal && this.deps.signal.aborted) {
      const reason: unknown = this.deps.signal.reason;
      this.fatal = reason instanceof GraphProblem ? reason : new GraphProblem('UNEXPECTED', 'The sync was stopped before it finished');
    }
    return { counts: this.counts, fatal: this.fatal };
  }

  private async worker(): Promise<void> {
    for (;;) {
      if (this.stopAll.signal.aborted) return;
      let user: SyncUser | undefined;
      try {
        user = await this.nextUser();
      } catch (error) {
        // The users could not be read: nothing more can be synced.
        this.stop(error);
        return;
      }
      if (!user) return;
      try {
        await this.syncUser(user);
      } catch (error) {
        this.failed(user, error);
      }
    }
  }

  /** Ends the whole sync with this problem (the first one wins): every request in flight is aborted. */
  private stop(error: unknown): void {
    if (this.stopAll.signal.aborted) return;
    const problem = asProblem(error);
    if (!(error instanceof GraphProblem)) this.deps.onUnexpected?.(error);
    this.fatal ??= problem;
    this.stopAll.abort(problem);
  }

  /** A user's failure: counted as skipped when it is that user's alone, else the end of the sync. */
  private failed(user: SyncUser, error: unknown): void {
    if (this.stopAll.signal.aborted) return;
    if (!(error instanceof GraphProblem) || FATAL_PROBLEMS.has(error.kind)) {
      // The app's own problem, or Portico's (its database): no other user would fare better.
      this.stop(error);
      return;
    }
    const problem = error;
    this.counts.photosSkipped += 1;
    this.deps.onSkipped?.(user, problem.message);
  }

  private async nextUser(): Promise<SyncUser | undefined> {
    while (this.pending.length === 0 && !this.exhausted && !this.stopAll.signal.aborted) await this.loadNextPage();
    // The next page is read while this one is still being worked on, so no worker waits for it.
    if (this.pending.length <= this.deps.limits.concurrency && !this.exhausted) void this.loadNextPage().catch((error: unknown) => this.stop(error));
    return this.pending.shift();
  }

  private loadNextPage(): Promise<void> {
    this.loading ??= this.loadPage().finally(() => (this.loading = undefined));
    return this.loading;
  }

  private async loadPage(): Promise<void> {
    const { uow, scope } = this.deps;
    // Both reads, then the position moves: a failed read loses no user (it ends the sync instead).
    const { users, known } = await uow.read(async (em) => {
      const page = await directoryProviderRepository.usersPage(em, scope.tenantId, this.lastUserId, USER_PAGE_SIZE);
      const etags = page.length === 0 ? new Map<string, string>() : await photoRepository.directoryEtags(em, scope.tenantId, page.map((u) => u.id));
      return { users: page, known: etags };
    });
    if (users.length < USER_PAGE_SIZE) this.exhausted = true;
    if (users.length === 0) return;
    this.lastUserId = users[users.length - 1].id;
    for (const [userId, etag] of known) this.knownEtags.set(userId, etag);
    this.pending.push(...users);
  }

  /** Entra's ETag seen at the last sync, for the users read but not yet handled. */
  private readonly knownEtags = new Map<string, string>();

  private async syncUser(user: SyncUser): Promise<void> {
    const { graph, photos, scope } = this.deps;
    const known = this.knownEtags.get(user.id);
    this.knownEtags.delete(user.id);
    const ref = graphUserRef(user);
    const metadata = await this.withGraph((token) => this.timeLimited((signal) => graph.photoMetadata(token, ref, signal)));
    if (metadata.kind === 'none') {
      this.counts.usersWithoutPhoto += 1;
      return;
    }
    if (metadata.kind === 'unknown-user') {
      throw new GraphProblem('UNEXPECTED', `Microsoft Graph knows no user ${ref}`, { status: 404, code: 'Request_ResourceNotFound' });
    }
    // Without an ETag from Graph the photo cannot be known unchanged: it is downloaded.
    if (metadata.etag !== '' && known === metadata.etag) {
      this.counts.photosUnchanged += 1;
      return;
    }
    const bytes = await this.withGraph((token) => this.timeLimited((signal) => graph.downloadPhoto(token, ref, MAX_PHOTO_BYTES, signal)));
    // Stored while this worker goes on to the next user: Graph's latency, not the database, sets the pace.
    // A few stores at a time (each is one statement): the photos held stay bounded whatever the directory's
    // size, and a sync never takes more than a few of the pool's connections from the API.
    while (this.storing.size >= MAX_STORES_IN_FLIGHT) await Promise.race(this.storing);
    const store = photos
      .storeFromDirectory(scope, user.id, { bytes, directoryEtag: metadata.etag === '' ? undefined : metadata.etag })
      .then(
        () => void (this.counts.photosDownloaded += 1),
        (error: unknown) => {
          const ownProblem = error instanceof DomainError && error.code !== 'UNAVAILABLE' && error.code !== 'INTERNAL';
          // Not an image Portico serves, or the user was deleted meanwhile: this user only.
          this.failed(user, ownProblem ? new GraphProblem('UNEXPECTED', error.message) : error);
        },
      )
      .finally(() => this.storing.delete(store));
    this.storing.add(store);
  }

  /** Photos downloaded and being stored. */
  private readonly storing = new Set<Promise<void>>();

  /** Runs one Graph request with the sync's signal, cut off after the per-request time limit. */
  private timeLimited<T>(call: (signal: AbortSignal) => Promise<T>): Promise<T> {
    return withDeadline(this.stopAll.signal, this.deps.limits.photoTimeoutMs, call);
  }

  /** Runs a Graph call with the current token: a throttled call waits as asked and runs again; a rejected token is renewed once. */
  private async withGraph<T>(call: (token: GraphToken) => Promise<T>): Promise<T> {
    const { limits } = this.deps;
    let token = await this.token((signal) => this.deps.tokens.current(signal));
    let renewed = false;
    for (let attempt = 1, unreachable = 0; ; attempt += 1) {
      try {
        return await call(token);
      } catch (error) {
        const problem = asProblem(error);
        if (problem.kind === 'TOKEN_REJECTED' && !renewed) {
          renewed = true;
          const rejected = token;
          token = await this.token((signal) => this.deps.tokens.renew(rejected, signal));
          continue;
        }
        if (problem.kind === 'THROTTLED' && attempt < limits.throttledAttempts) {
          await sleep(Math.min(problem.detail.retryAfterMs ?? DEFAULT_RETRY_AFTER_MS, limits.maxRetryAfterMs), this.stopAll.signal);
          continue;
        }
        // One reset connection is no outage: only a connection that keeps failing ends the sync.
        if (problem.kind === 'UNREACHABLE' && (unreachable += 1) < UNREACHABLE_ATTEMPTS) {
          await sleep(250 * unreachable, this.stopAll.signal);
          continue;
        }
        throw error instanceof GraphProblem ? error : problem;
      }
    }
  }

  /** The app's token: without one no user can be synced, so any failure to get it ends the sync. */
  private async token(get: (signal: AbortSignal) => Promise<GraphToken>): Promise<GraphToken> {
    try {
      return await get(this.stopAll.signal);
    } catch (error) {
      const problem = asProblem(error);
      throw FATAL_PROBLEMS.has(problem.kind) ? problem : new GraphProblem('LOGIN_FAILED', problem.message, problem.detail);
    }
  }
}

/** Any failure as a problem to report: Portico's own (a database error) included, in words safe to show. */
function asProblem(error: unknown): GraphProblem {
  if (error instanceof GraphProblem) return error;
  if (error instanceof DomainError) return new GraphProblem('UNEXPECTED', error.message);
  return new GraphProblem('UNEXPECTED', 'Portico failed while syncing (see its log); the next sync tries again');
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
