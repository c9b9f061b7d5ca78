import { randomUUID } from 'node:crypto';
import { Gauge, type Registry } from 'prom-client';
import type { DomainServices } from '../domain/services';
import { systemActor } from '../domain/shared/scope';

/**
 * `portico_directory_secret_days_left{tenant}`: days until each tenant's Microsoft Entra ID client secret
 * expires (negative once it has), read from the database at each scrape so every process reports the same.
 * An alert on it catches the secret that would otherwise expire silently two years after it was made.
 */
export function registerDirectoryMetrics(registry: Registry, services: DomainServices): void {
  new Gauge({
    name: 'portico_directory_secret_days_left',
    help: 'Days until the tenant\'s Microsoft Entra ID client secret expires (negative: expired)',
    labelNames: ['tenant'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      const ctx = { actor: systemActor('metrics'), source: 'SYSTEM' as const, requestId: randomUUID() };
      const expiries = await services.directoryProvider.secretExpiries(ctx).catch(() => []);
      for (const { slug, daysLeft } of expiries) {
        if (daysLeft !== null) this.set({ tenant: slug }, Math.round(daysLeft * 10) / 10);
      }
    },
  });
}
