/** How deletions are kept and when a wave of deprovisioning is called a burst. */
export interface DeprovisioningPolicy {
  /** Days a deleted user is kept as a tombstone before it is purged; 0 deletes at once (no tombstone). */
  retentionDays: number;
  /** Share (0..1) of a tenant's users deleted or deactivated within an hour above which it is a burst. */
  burstShare: number;
  /** Fewer deprovisionings than this within an hour are never a burst (small tenants do not alarm). */
  burstMinimum: number;
  /** Told after the commit of a change that raised MASS_DEPROVISIONING (the metrics counter). */
  onMassDeprovisioning?: (tenantId: string) => void;
}

export const DEFAULT_DEPROVISIONING_POLICY: DeprovisioningPolicy = { retentionDays: 30, burstShare: 0.1, burstMinimum: 10 };
