import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { z } from 'zod';
import { recordEvent } from '../events/event-recorder';
import type { PhotoService } from '../photos/photo.service';
import { requireLevel, requireOperator } from '../shared/authorize';
import { withDeadline } from '../shared/deadline';
import { DomainError } from '../shared/domain-error';
import type { CallContext, Scope } from '../shared/scope';
import { systemActor } from '../shared/scope';
import type { SecretBox } from '../shared/secret-box';
import type { UnitOfWork } from '../shared/unit-of-work';
import { parseInput, stripNulls } from '../shared/validate';
import {
  directoryProviderRepository as providers,
  type ExpiryPhase,
  type ProviderRow,
  type SyncCounts,
  type SyncRecord,
  type SyncTrigger,
} from './directory-provider.repository';
import { GraphProblem, type DirectoryApp, type DirectoryGraph, type GraphToken } from './graph-port';
import { graphUserRef, isGuid } from './graph-reference';
import { DEFAULT_PHOTO_SYNC_LIMITS, PhotoSyncRun, type PhotoSyncLimits, type TokenSource } from './photo-sync';
import { adviceFor } from './problem-advice';

/** A secret within this many days of its expiry raises DIRECTORY_SECRET_EXPIRING. */
export const SECRET_WARNING_DAYS = 14;
const DAY_MS = 86_400_000;
/** How often a running sync tells the other processes it is alive (and how far it got). */
const HEARTBEAT_MS = 20_000;
/** A token is renewed this long before Microsoft says it expires. */
const TOKEN_EXPIRY_MARGIN_MS = 60_000;

const directoryProviderRule = z
  .object({
    directoryTenantId: z
      .string()
      .trim()
      .max(253)
      .refine((v) => isGuid(v) || /^[a-z0-9-]+(\.[a-z0-9-]+)+$/i.test(v), 'must be the Directory (tenant) ID, a GUID (or the directory\'s domain name)'),
    clientId: z.string().trim().refine(isGuid, 'must be the Application (client) ID, a GUID'),
    clientSecret: z
      .string()
      .trim()
      .min(1, 'is required')
      .max(1024, 'is too long for a client secret')
      .refine((v) => !isGuid(v), "looks like the secret's ID (a GUID): paste the secret's Value instead (Azure shows it once, when the secret is created)"),
    secretExpiresAt: z.date().optional(),
  })
  .strict();

export interface DirectoryProviderInput {
  directoryTenantId: string;
  clientId: string;
  clientSecret: string;
  secretExpiresAt?: Date | null;
}

/** A tenant's directory provider as administrators see it: never the secret. */
export interface DirectoryProviderView {
  directoryTenantId: string;
  clientId: string;
  secretExpiresAt: Date | null;
  /** Whole days until the secret expires (negative once it has), or null when no expiry was given. */
  secretExpiresInDays: number | null;
  configuredAt: Date;
  lastSync: SyncRecord | null;
}

export interface ConnectionTest {
  ok: boolean;
  message: string;
}

export interface DirectoryProviderOptions {
  limits?: Partial<PhotoSyncLimits>;
  /** Told of a skipped user or a failure of Portico's own during a sync (for the log). */
  onSyncNotice?: (notice: { tenantId: string; syncId: string; level: 'debug' | 'error'; message: string; error?: unknown }) => void;
}

/** The on-demand or scheduled start of a sync: its record now, and the finished record later. */
export interface StartedSync {
  sync: SyncRecord;
  /** False when a sync of the tenant was already running (in this or another process): `sync` is that one. */
  started: boolean;
  /** Resolves with the finished record (for `sync`, when `started`; else immediately with the running one). */
  done: Promise<SyncRecord>;
}

const daysUntil = (date: Date, now = Date.now()) => Math.floor((date.getTime() - now) / DAY_MS);

/**
 * Microsoft Entra ID as a tenant's directory provider (SPEC §6): the app registration (its secret sealed), the
 * connection test, the photo sync (one at a time per tenant across every process) and the secret's expiry.
 */
export class DirectoryProviderService {
  private readonly limits: PhotoSyncLimits;
  private readonly tokens = new Map<string, { key: string; token: GraphToken }>();
  /** Syncs running in this process, stopped with it. */
  private readonly running = new Map<string, { stop: AbortController; done: Promise<SyncRecord> }>();
  private stopped = false;
  /** Token requests in flight per tenant: workers that need a token at once share one request. */
  private readonly tokenRequests = new Map<string, Promise<GraphToken>>();

  constructor(
    private readonly uow: UnitOfWork,
    private readonly photos: PhotoService,
    private readonly graph: DirectoryGraph | undefined,
    private readonly secretBox: SecretBox | undefined,
    private readonly options: DirectoryProviderOptions = {},
  ) {
    this.limits = { ...DEFAULT_PHOTO_SYNC_LIMITS, ...options.limits };
  }

  async view(scope: Scope): Promise<DirectoryProviderView | null> {
    requireLevel(scope, 'ADMINISTRATOR');
    return this.uow.read(async (em) => {
      const provider = await providers.find(em, scope.tenantId);
      return provider ? toView(provider, await providers.lastSync(em, scope.tenantId)) : null;
    });
  }

  /** Connects the tenant to its app registration; configuring again with a new secret is the rotation. */
  async configure(scope: Scope, input: DirectoryProviderInput): Promise<DirectoryProviderView> {
    requireLevel(scope, 'ADMINISTRATOR');
    const given = parseInput(directoryProviderRule, stripNulls(input));
    const sealed = this.box().seal(given.clientSecret);
    const secretExpiresAt = given.secretExpiresAt ?? null;
    const view = await this.uow.write(async (em) => {
      const before = await providers.save(em, {
        tenantId: scope.tenantId,
        directoryTenantId: given.directoryTenantId,
        clientId: given.clientId,
        clientSecretSealed: sealed,
        secretExpiresAt,
      });
      const secretChanged = !before || !this.holdsSecret(before, given.clientSecret);
      await recordEvent(em, scope, {
        type: 'DIRECTORY_PROVIDER_CONFIGURED',
        subjectType: 'DIRECTORY_PROVIDER',
        subjectId: scope.tenantId,
        summary: before
          ? `Microsoft Entra ID directory provider reconfigured${secretChanged ? ' with a new client secret' : ''}`
          : 'Microsoft Entra ID connected as directory provider',
        changes: [
          { attribute: 'directoryTenantId', old: before?.directoryTenantId ?? null, new: given.directoryTenantId },
          { attribute: 'clientId', old: before?.clientId ?? null, new: given.clientId },
          { attribute: 'secretExpiresAt', old: before?.secretExpiresAt?.toISOString() ?? null, new: secretExpiresAt?.toISOString() ?? null },
          ...(secretChanged ? [{ attribute: 'clientSecret', old: before ? '[redacted]' : null, new: '[redacted]' }] : []),
        ].filter((c) => c.old !== c.new),
      });
      const saved = (await providers.find(em, scope.tenantId))!;
      return toView(saved, await providers.lastSync(em, scope.tenantId));
    });
    this.tokens.delete(scope.tenantId);
    await this.checkSecretExpiry(scope);
    return view;
  }

  async remove(scope: Scope): Promise<boolean> {
    requireLevel(scope, 'ADMINISTRATOR');
    const why = 'The directory provider was removed during the sync';
    this.running.get(scope.tenantId)?.stop.abort(new GraphProblem('UNEXPECTED', why));
    this.tokens.delete(scope.tenantId);
    return this.uow.write(async (em) => {
      const removed = await providers.remove(em, scope.tenantId);
      if (!removed) return false;
      // A sync running in another process sees this at its next heartbeat and stops.
      for (const sync of await providers.failRunning(em, scope.tenantId, why)) await recordSyncFailed(em, scope, sync);
      await recordEvent(em, scope, {
        type: 'DIRECTORY_PROVIDER_REMOVED',
        subjectType: 'DIRECTORY_PROVIDER',
        subjectId: scope.tenantId,
        summary: 'Microsoft Entra ID directory provider removed (stored photos are kept)',
      });
      return true;
    });
  }

  /** *Test connection*: a token, then one Graph call that needs the photo permission; the message says what to do. */
  async test(scope: Scope): Promise<ConnectionTest> {
    requireLevel(scope, 'ADMINISTRATOR');
    const { provider, firstUser } = await this.uow.read(async (em) => ({
      provider: await providers.find(em, scope.tenantId),
      firstUser: (await providers.usersPage(em, scope.tenantId, null, 1))[0],
    }));
    if (!provider) throw new DomainError('NOT_FOUND', 'No directory provider is configured: save the client ID, tenant ID and secret first');
    const graph = this.graphClient();
    try {
      return await withDeadline(undefined, this.limits.photoTimeoutMs * 2, async (signal) => {
        const token = await this.tokenFor(provider, signal, true);
        const ref = firstUser ? graphUserRef(firstUser) : await anyUserRef(graph, token, signal);
        const metadata = await graph.photoMetadata(token, ref, signal);
        if (metadata.kind === 'unknown-user' && firstUser) {
          return {
            ok: true,
            message: `Connected to Microsoft Entra ID, but Microsoft Graph knows no user ${ref}: photos are looked up by the externalId when it is an object ID, else by the userName as userPrincipalName.`,
          };
        }
        return { ok: true, message: 'Connected to Microsoft Entra ID: the app may read profile photos.' };
      });
    } catch (error) {
      if (error instanceof GraphProblem) return { ok: false, message: adviceFor(error) };
      throw error;
    }
  }

  /**
   * Starts a sync of the tenant's photos now, unless one runs (in any process): then that one is returned.
   * The sync runs in the background of this process; `done` resolves with its finished record.
   */
  async startSync(scope: Scope, trigger: SyncTrigger = 'ON_DEMAND'): Promise<StartedSync> {
    requireLevel(scope, 'ADMINISTRATOR');
    const graph = this.graphClient();
    const provider = await this.uow.read((em) => providers.find(em, scope.tenantId));
    if (!provider) throw new DomainError('NOT_FOUND', 'No directory provider is configured');
    if (this.stopped) throw new DomainError('UNAVAILABLE', 'Portico is shutting down; start the sync again in a moment');
    const { sync, started } = await this.uow.write(async (em) => {
      const claimed = await providers.claimSync(em, scope.tenantId, trigger);
      // A sync whose process died is failed here: its failure is an event the admin sees, like any other.
      for (const dead of claimed.takenOver) await recordSyncFailed(em, scope, dead);
      return claimed;
    });
    if (!started) return { sync, started, done: Promise.resolve(sync) };
    const stop = new AbortController();
    const done = this.runSync(scope, provider, sync, graph, stop.signal)
      .catch((error: unknown) => {
        // Nobody awaits an on-demand sync: its failure is reported here, never left to crash the process.
        this.options.onSyncNotice?.({ tenantId: scope.tenantId, syncId: sync.id, level: 'error', message: 'directory sync could not be recorded', error });
        return { ...sync, state: 'FAILED' as const, error: 'Portico failed while recording the sync (see its log)' };
      })
      .finally(() => this.running.delete(scope.tenantId));
    this.running.set(scope.tenantId, { stop, done });
    return { sync, started, done };
  }

  async lastSync(scope: Scope): Promise<SyncRecord | null> {
    requireLevel(scope, 'ADMINISTRATOR');
    return this.uow.read((em) => providers.lastSync(em, scope.tenantId));
  }

  /**
   * Raises DIRECTORY_SECRET_EXPIRING once when the secret comes within 14 days of its expiry, and once more when
   * it has expired (across every process: the database decides who raises it). Returns the phase raised now.
   */
  async checkSecretExpiry(scope: Scope): Promise<ExpiryPhase | null> {
    requireLevel(scope, 'ADMINISTRATOR');
    return this.uow.write(async (em) => {
      const raised = await providers.raiseExpiryPhase(em, scope.tenantId, SECRET_WARNING_DAYS);
      if (!raised) return null;
      const { phase, secretExpiresAt } = raised;
      const days = daysUntil(secretExpiresAt);
      const when = secretExpiresAt.toISOString().slice(0, 10);
      await recordEvent(em, scope, {
        type: 'DIRECTORY_SECRET_EXPIRING',
        subjectType: 'DIRECTORY_PROVIDER',
        subjectId: scope.tenantId,
        summary:
          phase === 'EXPIRED'
            ? `The Microsoft Entra ID client secret expired on ${when}: photos no longer update. Create a new secret and save it here.`
            : `The Microsoft Entra ID client secret expires on ${when} (in ${days} days): create a new secret and save it here before then.`,
        outcome: phase === 'EXPIRED' ? 'FAILURE' : 'SUCCESS',
        error: phase === 'EXPIRED' ? 'client secret expired' : null,
        detail: { secretExpiresAt: secretExpiresAt.toISOString(), daysLeft: days },
      });
      return phase;
    });
  }

  /** Tenants whose last sync started before `before` (the schedule). */
  async dueForSync(ctx: CallContext, before: Date): Promise<string[]> {
    requireOperator(ctx);
    return this.uow.read((em) => providers.dueForSync(em, before));
  }

  /** Every configured provider's tenant and days left on its secret (the metric; the schedule's expiry checks). */
  async secretExpiries(ctx: CallContext): Promise<{ slug: string; tenantId: string; daysLeft: number | null }[]> {
    requireOperator(ctx);
    const rows = await this.uow.read((em) => providers.listAll(em));
    return rows.map((r) => ({ slug: r.slug, tenantId: r.tenantId, daysLeft: r.secretExpiresAt ? (r.secretExpiresAt.getTime() - Date.now()) / DAY_MS : null }));
  }

  /** Stops this process's running syncs (each is recorded as failed) and waits for them; starts no new one. */
  async stop(): Promise<void> {
    this.stopped = true;
    const all = [...this.running.values()];
    for (const { stop } of all) stop.abort(new GraphProblem('UNEXPECTED', 'Portico stopped during the sync; the next sync starts over'));
    await Promise.allSettled(all.map((r) => r.done));
  }

  private async runSync(scope: Scope, provider: ProviderRow, sync: SyncRecord, graph: DirectoryGraph, signal: AbortSignal): Promise<SyncRecord> {
    const runScope: Scope = {
      tenantId: scope.tenantId,
      actor: systemActor('Microsoft Entra ID directory sync'),
      source: 'DIRECTORY_SYNC',
      requestId: scope.requestId,
    };
    const notice = this.options.onSyncNotice;
    // Ended by this process (stop, removal) or found ended elsewhere by the heartbeat.
    const ended = new AbortController();
    if (signal.aborted) ended.abort(signal.reason);
    else signal.addEventListener('abort', () => ended.abort(signal.reason), { once: true });
    const run = new PhotoSyncRun({
      uow: this.uow,
      graph,
      photos: this.photos,
      tokens: this.tokenSource(provider),
      scope: runScope,
      limits: this.limits,
      signal: ended.signal,
      onSkipped: (user, reason) => notice?.({ tenantId: scope.tenantId, syncId: sync.id, level: 'debug', message: `photo of ${user.userName} skipped: ${reason}` }),
      onUnexpected: (error) => notice?.({ tenantId: scope.tenantId, syncId: sync.id, level: 'error', message: 'directory sync failed', error }),
    });
    const heartbeat = setInterval(() => {
      void this.uow
        .write((em) => providers.heartbeat(em, scope.tenantId, sync.id, run.counts))
        .then((alive) => {
          // Failed by another process (taken for dead) or by the provider's removal: this run must not go on.
          if (!alive) ended.abort(new GraphProblem('UNEXPECTED', 'This sync was ended elsewhere (its provider removed, or taken for dead)'));
        })
        .catch((error: unknown) => notice?.({ tenantId: scope.tenantId, syncId: sync.id, level: 'error', message: 'directory sync heartbeat failed', error }));
    }, HEARTBEAT_MS);
    heartbeat.unref();
    let outcome: Awaited<ReturnType<PhotoSyncRun['run']>>;
    try {
      await this.checkSecretExpiry(runScope).catch(() => null);
      outcome = await run.run();
    } catch (error) {
      outcome = { counts: run.counts, fatal: new GraphProblem('UNEXPECTED', 'Portico failed while syncing (see its log)') };
      notice?.({ tenantId: scope.tenantId, syncId: sync.id, level: 'error', message: 'directory sync failed', error });
    } finally {
      clearInterval(heartbeat);
    }
    const reason = outcome.fatal ? (ended.signal.aborted ? outcome.fatal.message : adviceFor(outcome.fatal)) : null;
    return this.finish(runScope, sync, outcome.counts, reason);
  }

  private async finish(scope: Scope, sync: SyncRecord, counts: SyncCounts, reason: string | null): Promise<SyncRecord> {
    const summary = `${counts.photosDownloaded} downloaded, ${counts.photosUnchanged} unchanged, ${counts.photosSkipped} skipped, ${counts.usersWithoutPhoto} without a photo`;
    return this.uow.write(async (em) => {
      const finished = await providers.finish(em, scope.tenantId, sync.id, reason ? 'FAILED' : 'SUCCEEDED', counts, reason);
      // Another process took this sync for dead (a stalled heartbeat) and failed it already: that record stands.
      if (!finished) return (await providers.syncById(em, scope.tenantId, sync.id)) ?? sync;
      await recordEvent(em, scope, {
        type: reason ? 'DIRECTORY_SYNC_FAILED' : 'DIRECTORY_SYNC_SUCCEEDED',
        subjectType: 'DIRECTORY_PROVIDER',
        subjectId: scope.tenantId,
        summary: reason ? `Directory sync failed: ${reason}` : `Directory sync finished: ${summary}`,
        outcome: reason ? 'FAILURE' : 'SUCCESS',
        error: reason,
        detail: { syncId: sync.id, trigger: sync.trigger, ...counts },
      });
      return finished;
    });
  }

  private tokenSource(provider: ProviderRow): TokenSource {
    return {
      current: (signal) => this.tokenFor(provider, signal, false),
      renew: async (rejected, signal) => {
        const cached = this.tokens.get(provider.tenantId);
        if (cached?.token === rejected) this.tokens.delete(provider.tenantId);
        return this.tokenFor(provider, signal, false);
      },
    };
  }

  /** The tenant's app token, reused until shortly before it expires (`fresh`: always a new one, for a test). */
  private async tokenFor(provider: ProviderRow, signal: AbortSignal | undefined, fresh: boolean): Promise<GraphToken> {
    const key = `${provider.directoryTenantId}|${provider.clientId}|${provider.clientSecretSealed}`;
    const cached = this.tokens.get(provider.tenantId);
    if (!fresh && cached && cached.key === key && cached.token.expiresAt - TOKEN_EXPIRY_MARGIN_MS > Date.now()) return cached.token;
    if (fresh) return this.requestToken(provider, key, signal);
    let request = this.tokenRequests.get(provider.tenantId);
    if (!request) {
      request = this.requestToken(provider, key, undefined).finally(() => this.tokenRequests.delete(provider.tenantId));
      this.tokenRequests.set(provider.tenantId, request);
    }
    return request;
  }

  private async requestToken(provider: ProviderRow, key: string, signal: AbortSignal | undefined): Promise<GraphToken> {
    // Bounded like any Graph request: a login endpoint that never answers must not hold a sync forever.
    const token = await withDeadline(signal, this.limits.photoTimeoutMs, (bounded) => this.graphClient().token(this.appOf(provider), bounded));
    this.tokens.set(provider.tenantId, { key, token });
    return token;
  }

  private appOf(provider: ProviderRow): DirectoryApp {
    return { directoryTenantId: provider.directoryTenantId, clientId: provider.clientId, clientSecret: this.openSecret(provider) };
  }

  private holdsSecret(provider: ProviderRow, secret: string): boolean {
    try {
      return this.box().open(provider.clientSecretSealed) === secret;
    } catch {
      return false;
    }
  }

  private openSecret(provider: ProviderRow): string {
    try {
      return this.box().open(provider.clientSecretSealed);
    } catch {
      throw new DomainError('CONFLICT', 'The stored client secret cannot be opened with this PORTICO_SECRET_KEY: save the secret again');
    }
  }

  private box(): SecretBox {
    if (!this.secretBox) throw new DomainError('INTERNAL', 'PORTICO_SECRET_KEY is not available to seal the client secret');
    return this.secretBox;
  }

  private graphClient(): DirectoryGraph {
    if (!this.graph) throw new DomainError('INTERNAL', 'No Microsoft Graph client is configured in this process');
    return this.graph;
  }
}

/** DIRECTORY_SYNC_FAILED for a sync ended by something other than its own run (its process died, its provider removed). */
async function recordSyncFailed(em: EntityManager, scope: Scope, sync: SyncRecord): Promise<void> {
  await recordEvent(em, scope, {
    type: 'DIRECTORY_SYNC_FAILED',
    subjectType: 'DIRECTORY_PROVIDER',
    subjectId: scope.tenantId,
    summary: `Directory sync failed: ${sync.error ?? 'it did not finish'}`,
    outcome: 'FAILURE',
    error: sync.error,
    detail: {
      syncId: sync.id,
      trigger: sync.trigger,
      photosDownloaded: sync.photosDownloaded,
      photosUnchanged: sync.photosUnchanged,
      photosSkipped: sync.photosSkipped,
      usersWithoutPhoto: sync.usersWithoutPhoto,
    },
  });
}

/**
 * A user to ask Graph about when Portico has none yet: any user of the directory. Listing users needs
 * User.Read.All; an app with only ProfilePhoto.Read.All may not list them, so then a user that exists nowhere is
 * asked about: Graph answers "no such user" (404) only when the photo permission is there, and 403 when not.
 */
async function anyUserRef(graph: DirectoryGraph, token: GraphToken, signal: AbortSignal): Promise<string> {
  try {
    return (await graph.anyUserId(token, signal)) ?? randomUUID();
  } catch (error) {
    if (error instanceof GraphProblem && error.kind === 'PERMISSION_MISSING') return randomUUID();
    throw error;
  }
}

function toView(provider: ProviderRow, lastSync: SyncRecord | null): DirectoryProviderView {
  return {
    directoryTenantId: provider.directoryTenantId,
    clientId: provider.clientId,
    secretExpiresAt: provider.secretExpiresAt,
    secretExpiresInDays: provider.secretExpiresAt ? daysUntil(provider.secretExpiresAt) : null,
    configuredAt: provider.configuredAt,
    lastSync,
  };
}
