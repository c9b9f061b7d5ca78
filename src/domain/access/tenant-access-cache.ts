import { LRUCache } from 'lru-cache';
import type { PermissionLevel } from '../shared/permission-level';

/** What a mapping grants, its teams named (shared by every user it applies to: never changed once built). */
export interface CachedMapping {
  globalLevel: PermissionLevel;
  teams: readonly { teamId: string; teamName: string; level: PermissionLevel }[];
}

/**
 * A mapped group as of the tenant's access version: its name and external id change the version (trigger),
 * its `updatedAt` changes with every SCIM write to it and is not kept.
 */
export class CachedGroup {
  constructor(
    readonly id: string,
    readonly tenantId: string,
    readonly displayName: string,
    readonly externalId: string | null,
    readonly createdAt: Date,
  ) {}

  get updatedAt(): Date {
    throw new Error(`The group ${this.id} was read without its timestamps (read it 'with-timestamps')`);
  }
}

/** A team that the tenant's grants or fallback name. */
export interface CachedTeam {
  id: string;
  name: string;
  createdAt: Date;
}

/**
 * A tenant's access data as of one committed `tenants.access_version`: every mapping, the teams they and the
 * fallback name, the fallback team. Read in the same statement (one snapshot) as the version it is stored
 * under; the version changes, by trigger, in the transaction of any change to those rows. So the data stored
 * under a version is the data every read seeing that version sees, and a read that sees another version gets
 * the data with it (the statement sends it when the version differs from the one the process holds): no
 * change can be missed, however late or early a read comes.
 */
export interface TenantAccess {
  /** `tenants.access_version` (a bigint, as PostgreSQL sends it). */
  version: string;
  groupMappings: ReadonlyMap<string, CachedMapping>;
  /** The groups of those mappings. */
  groups: ReadonlyMap<string, CachedGroup>;
  defaultMapping: CachedMapping | null;
  fallbackTeam: { teamId: string; teamName: string } | null;
  teams: ReadonlyMap<string, CachedTeam>;
}

/** What the statement sends for a tenant whose access version the process did not hold. */
export interface TenantAccessJson {
  fallbackTeamId: string | null;
  /** Per mapped group: id, display name, external id, creation. */
  groups: [string, string, string | null, string][];
  /** Per mapping: its group (null: the default mapping), its global level, its team grants as [team, level]. */
  mappings: [string | null, PermissionLevel, [string, PermissionLevel][]][];
  /** Per team the grants or the fallback name: id, name, creation. */
  teams: [string, string, string][];
}

/** The version to send when the process holds nothing for a tenant (versions start at 0). */
export const NO_VERSION = '-1';

/** The version to send for a tenant too large to hold: the statement then sends none of its data. */
export const NOT_HELD = '-2';

/** Builds the cached form of a tenant's access data, read at `version`. */
export function tenantAccessFrom(tenantId: string, version: string, json: TenantAccessJson): TenantAccess {
  const groups = new Map<string, CachedGroup>();
  for (const [id, name, externalId, createdAt] of json.groups) groups.set(id, new CachedGroup(id, tenantId, name, externalId, new Date(createdAt)));
  const teams = new Map<string, CachedTeam>();
  for (const [id, name, createdAt] of json.teams) teams.set(id, { id, name, createdAt: new Date(createdAt) });
  const teamName = (id: string) => teams.get(id)?.name ?? '';
  const groupMappings = new Map<string, CachedMapping>();
  let defaultMapping: CachedMapping | null = null;
  for (const [groupId, globalLevel, grants] of json.mappings) {
    const mapping: CachedMapping = { globalLevel, teams: grants.map(([teamId, level]) => ({ teamId, teamName: teamName(teamId), level })) };
    if (groupId === null) defaultMapping = mapping;
    else groupMappings.set(groupId, mapping);
  }
  const fallbackTeam = json.fallbackTeamId ? { teamId: json.fallbackTeamId, teamName: teamName(json.fallbackTeamId) } : null;
  return { version, groupMappings, groups, defaultMapping, fallbackTeam, teams };
}

const sizeOf = (access: TenantAccess) => {
  let grants = access.defaultMapping?.teams.length ?? 0;
  for (const mapping of access.groupMappings.values()) grants += 1 + mapping.teams.length;
  return 1 + grants + access.groups.size + access.teams.size;
};

/**
 * The process's tenants' access data, newest version kept. Bounded by mappings, grants, groups and teams held
 * (a tenant may have 1,000 mappings of 500 grants each): a tenant larger than `maxUnitsPerTenant` is not held,
 * and is not read whole again for `retryLargeAfterMs` (its users' access is read per user meanwhile).
 */
export class TenantAccessCache {
  private readonly byTenant: LRUCache<string, TenantAccess>;
  private readonly tooLarge: LRUCache<string, true>;

  constructor(
    private readonly maxUnitsPerTenant = 100_000,
    retryLargeAfterMs = 10 * 60_000,
  ) {
    this.byTenant = new LRUCache<string, TenantAccess>({ max: 10_000, maxSize: 10 * maxUnitsPerTenant, sizeCalculation: sizeOf });
    this.tooLarge = new LRUCache<string, true>({ max: 10_000, ttl: retryLargeAfterMs });
  }

  /** What the process holds for the tenant, or undefined. */
  get(tenantId: string): TenantAccess | undefined {
    return this.byTenant.get(tenantId);
  }

  /** Whether the tenant's data was found too large to hold, lately: read its users' access per user. */
  isTooLarge(tenantId: string): boolean {
    return this.tooLarge.has(tenantId);
  }

  /** Keeps `access` unless a newer version is held (a read in an older snapshot may answer after a newer one). */
  offer(tenantId: string, access: TenantAccess): void {
    if (sizeOf(access) > this.maxUnitsPerTenant) {
      this.tooLarge.set(tenantId, true);
      return;
    }
    const held = this.byTenant.peek(tenantId);
    if (held && BigInt(held.version) >= BigInt(access.version)) return;
    this.byTenant.set(tenantId, access);
  }
}
