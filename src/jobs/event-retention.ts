import { randomUUID } from 'node:crypto';
import type { DomainServices } from '../domain/services';
import { systemActor } from '../domain/shared/scope';
import type { Logger } from '../http/logger';
import { HOUR_MS, startHourlyJob } from './hourly-job';

/**
 * Prunes provisioning events older than `retentionDays` once an hour (the first pass a minute after start),
 * through the domain's batched prune. Several processes may run it; the batches simply find less to do.
 * Returns a function that stops it; `retentionDays` 0 keeps everything.
 */
export function startEventRetention(options: { services: DomainServices; logger: Logger; retentionDays: number }): () => void {
  const { services, logger, retentionDays } = options;
  if (retentionDays <= 0) return () => {};
  return startHourlyJob(logger, 'pruning old provisioning events failed', async () => {
    const olderThan = new Date(Date.now() - retentionDays * 24 * HOUR_MS);
    const pruned = await services.events.prune({ actor: systemActor('event retention'), source: 'SYSTEM', requestId: randomUUID() }, olderThan);
    if (pruned > 0) logger.info({ pruned, olderThan }, 'pruned old provisioning events');
  });
}
