import { randomUUID } from 'node:crypto';
import type { DomainServices } from '../domain/services';
import { systemActor } from '../domain/shared/scope';
import type { Logger } from '../http/logger';
import { HOUR_MS, startHourlyJob } from './hourly-job';

/**
 * Purges deleted users' tombstones older than `retentionDays` once an hour (the first pass a minute after
 * start), through the domain's batched purge. With `retentionDays` 0 there are no new tombstones, and any left
 * from an earlier setting go at the next pass. Several processes may run it. Returns a function that stops it.
 */
export function startDeletedUserPurge(options: { services: DomainServices; logger: Logger; retentionDays: number }): () => void {
  const { services, logger, retentionDays } = options;
  return startHourlyJob(logger, 'purging deleted users failed', () => purgeDeletedUsersOnce(services, logger, retentionDays));
}

/** One pass of the purge: every tombstone deleted more than `retentionDays` ago. Returns how many went. */
export async function purgeDeletedUsersOnce(services: DomainServices, logger: Logger, retentionDays: number): Promise<number> {
  const olderThan = new Date(Date.now() - retentionDays * 24 * HOUR_MS);
  const purged = await services.users.purgeDeleted({ actor: systemActor('deleted user retention'), source: 'SYSTEM', requestId: randomUUID() }, olderThan);
  if (purged > 0) logger.info({ purged, olderThan }, 'purged deleted users past their retention');
  return purged;
}
