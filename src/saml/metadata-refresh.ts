import { randomUUID } from 'node:crypto';
import type { DomainServices } from '../domain/services';
import { systemActor, type CallContext } from '../domain/shared/scope';
import type { Logger } from '../http/logger';

/** Tenants refreshed at once by one process: a slow IdP holds one of them, never the others. */
export const METADATA_REFRESH_CONCURRENCY = 4;

/**
 * Refreshes every tenant's IdP metadata URL once it is older than `maxAgeMs`, checking every `checkEveryMs`
 * (at most one pass at a time). Each refresh goes through the same domain method as the GraphQL mutation,
 * so a failure keeps the last good configuration. A pass runs `concurrency` workers; each claims one due
 * tenant at a time (stamping the attempt in the database before fetching, so other processes take other
 * tenants) and a failure of one tenant does not touch the others. Returns a function that stops it.
 */
export function startMetadataRefresh(options: {
  services: DomainServices;
  logger: Logger;
  maxAgeMs: number;
  checkEveryMs?: number;
  concurrency?: number;
}): () => void {
  const { services, logger, maxAgeMs } = options;
  const checkEveryMs = options.checkEveryMs ?? Math.min(maxAgeMs, 15 * 60 * 1000);
  const concurrency = options.concurrency ?? METADATA_REFRESH_CONCURRENCY;
  let running = false;
  let stopped = false;

  const refreshOne = async (ctx: CallContext, slug: string) => {
    try {
      const settings = await services.saml.refreshMetadata(await services.tenants.scopeFor(ctx, slug));
      if (settings.metadataRefreshError) logger.warn({ tenant: slug, error: settings.metadataRefreshError }, 'IdP metadata refresh failed');
    } catch (error) {
      logger.error({ err: error, tenant: slug }, 'IdP metadata refresh failed');
    }
  };

  const worker = async (ctx: CallContext, before: Date) => {
    // `before` is fixed for the pass: a tenant refreshed in it is stamped after it, so it is not taken twice.
    while (!stopped) {
      const slug = await services.saml.claimDueMetadata(ctx, before);
      if (!slug) return;
      await refreshOne(ctx, slug);
    }
  };

  const pass = async () => {
    if (running) return;
    running = true;
    try {
      const ctx: CallContext = { actor: systemActor('SAML metadata refresh'), source: 'SYSTEM', requestId: randomUUID() };
      const before = new Date(Date.now() - maxAgeMs);
      // Settled, not all: the pass is over only when every worker is, whatever one of them threw.
      const results = await Promise.allSettled(Array.from({ length: concurrency }, () => worker(ctx, before)));
      for (const result of results) {
        if (result.status === 'rejected') logger.error({ err: result.reason }, 'IdP metadata refresh pass failed');
      }
    } finally {
      running = false;
    }
  };
  const timer = setInterval(() => void pass(), checkEveryMs);
  timer.unref();
  return () => {
    stopped = true;
    clearInterval(timer);
  };
}
