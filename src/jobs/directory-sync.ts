import { randomUUID } from 'node:crypto';
import type { DomainServices } from '../domain/services';
import { systemActor, type CallContext } from '../domain/shared/scope';
import type { Logger } from '../http/logger';

/** How often a process looks for tenants due for a sync and secrets near their expiry. */
export const DIRECTORY_CHECK_MS = 60_000;

/**
 * The directory provider's schedule: every minute, each configured tenant's secret expiry is checked (the
 * warning is raised once, by whichever process sees it first), and each tenant whose last sync started
 * `syncMinutes` ago or more is synced (the database lets one process take it; the others skip it). With
 * `syncMinutes` 0 syncs run only on demand. Returns a function that stops the schedule (running syncs are
 * stopped by the service's own `stop`).
 */
export function startDirectorySchedule(options: { services: DomainServices; logger: Logger; syncMinutes: number; checkEveryMs?: number }): () => void {
  const { services, logger, syncMinutes } = options;
  let running = false;
  const pass = async () => {
    if (running) return;
    running = true;
    try {
      await directoryPassOnce(services, logger, syncMinutes);
    } catch (error) {
      logger.warn({ err: error }, 'directory provider schedule failed; next pass in a minute');
    } finally {
      running = false;
    }
  };
  const timer = setInterval(() => void pass(), options.checkEveryMs ?? DIRECTORY_CHECK_MS);
  timer.unref();
  return () => clearInterval(timer);
}

/** One pass: expiry warnings for every provider, then the due syncs, one tenant after another. */
export async function directoryPassOnce(services: DomainServices, logger: Logger, syncMinutes: number): Promise<void> {
  const ctx: CallContext = { actor: systemActor('directory provider schedule'), source: 'SYSTEM', requestId: randomUUID() };
  for (const { slug } of await services.directoryProvider.secretExpiries(ctx)) {
    const phase = await services.directoryProvider.checkSecretExpiry(await services.tenants.scopeFor(ctx, slug)).catch((error: unknown) => {
      logger.warn({ err: error, tenant: slug }, 'checking the directory secret expiry failed');
      return null;
    });
    if (phase) logger.warn({ tenant: slug, phase }, 'the Microsoft Entra ID client secret of a tenant is expiring or expired');
  }
  if (syncMinutes <= 0) return;
  for (const slug of await services.directoryProvider.dueForSync(ctx, new Date(Date.now() - syncMinutes * 60_000))) {
    try {
      const scope = { ...(await services.tenants.scopeFor(ctx, slug)), source: 'DIRECTORY_SYNC' as const };
      const { started, done } = await services.directoryProvider.startSync(scope, 'SCHEDULE');
      if (!started) continue;
      const finished = await done;
      logger.info({ tenant: slug, sync: finished }, 'scheduled directory sync finished');
    } catch (error) {
      logger.warn({ err: error, tenant: slug }, 'scheduled directory sync could not run');
    }
  }
}
