import { randomUUID } from 'node:crypto';
import type { DomainServices } from '../domain/services';
import { SCIM_COUNT_RETENTION_DAYS } from '../domain/scim-traffic/scim-request-counter';
import { systemActor } from '../domain/shared/scope';
import type { Logger } from '../http/logger';
import { HOUR_MS, startHourlyJob } from './hourly-job';

/** How often this process adds the SCIM requests it counted to the database. */
export const SCIM_COUNT_FLUSH_MS = 20_000;

/**
 * Flushes this process's SCIM request counts every `flushMs` (a failed flush keeps them for the next one) and
 * prunes every tenant's counts older than the retention once an hour. Several processes may run it: their
 * flushes add up, their prunes find less to do. Returns a function that stops it after a last flush (call it
 * once no SCIM request is in flight any more).
 */
export function startScimRequestCounts(options: { services: DomainServices; logger: Logger; flushMs?: number }): () => Promise<void> {
  const { services, logger, flushMs = SCIM_COUNT_FLUSH_MS } = options;
  const flush = () =>
    services.scimRequests.flush().catch((error: unknown) => logger.warn({ err: error }, 'SCIM request counts could not be written; retrying at the next flush'));
  const timer = setInterval(() => void flush(), flushMs);
  timer.unref();
  const stopPrune = startHourlyJob(logger, 'pruning old SCIM request counts failed', async () => {
    const olderThan = new Date(Date.now() - SCIM_COUNT_RETENTION_DAYS * 24 * HOUR_MS);
    const pruned = await services.scimRequests.prune({ actor: systemActor('SCIM request count retention'), source: 'SYSTEM', requestId: randomUUID() }, olderThan);
    if (pruned > 0) logger.debug({ pruned, olderThan }, 'pruned old SCIM request counts');
  });
  return async () => {
    clearInterval(timer);
    stopPrune();
    await flush();
  };
}
