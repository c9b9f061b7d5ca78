import { randomUUID } from 'node:crypto';
import type { DomainServices } from '../domain/services';
import { systemActor, type CallContext } from '../domain/shared/scope';
import type { Logger } from '../http/logger';

/**
 * Refreshes every tenant's IdP metadata URL once it is older than `maxAgeMs`, checking every `checkEveryMs`
 * (at most one pass at a time). Each refresh goes through the same domain method as the GraphQL mutation,
 * so a failure keeps the last good configuration. Several processes may refresh the same tenant; the
 * result is the same. Returns a function that stops it.
 */
export function startMetadataRefresh(options: { services: DomainServices; logger: Logger; maxAgeMs: number; checkEveryMs?: number }): () => void {
  const { services, logger, maxAgeMs } = options;
  const checkEveryMs = options.checkEveryMs ?? Math.min(maxAgeMs, 15 * 60 * 1000);
  let running = false;
  const pass = async () => {
    if (running) return;
    running = true;
    try {
      const ctx: CallContext = { actor: systemActor('SAML metadata refresh'), source: 'SYSTEM', requestId: randomUUID() };
      for (const slug of await services.saml.metadataDue(ctx, new Date(Date.now() - maxAgeMs))) {
        const settings = await services.saml.refreshMetadata(await services.tenants.scopeFor(ctx, slug));
        if (settings.metadataRefreshError) logger.warn({ tenant: slug, error: settings.metadataRefreshError }, 'IdP metadata refresh failed');
      }
    } catch (error) {
      logger.error({ err: error }, 'IdP metadata refresh pass failed');
    } finally {
      running = false;
    }
  };
  const timer = setInterval(() => void pass(), checkEveryMs);
  timer.unref();
  return () => clearInterval(timer);
}
