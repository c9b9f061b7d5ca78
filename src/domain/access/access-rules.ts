import { levelRank, type PermissionLevel } from '../shared/permission-level';

/** Where a grant came from: an IdP group's mapping, or the tenant's default mapping. */
export type GrantSource = { kind: 'group'; groupId: string; groupName: string } | { kind: 'default' };

/** One mapping as it applies to a user: a global level and team grants. */
export interface MappingGrant {
  source: GrantSource;
  globalLevel: PermissionLevel;
  teams: { teamId: string; teamName: string; level: PermissionLevel }[];
}

export interface TeamAccess {
  teamId: string;
  teamName: string;
  level: PermissionLevel;
  /** Every source that granted this level (the winning one), groups first by name, then the default. */
  grantedBy: GrantSource[];
}

export interface EffectiveAccess {
  globalLevel: PermissionLevel;
  globalGrantedBy: GrantSource[];
  teams: TeamAccess[];
  /** True when the user's groups granted nothing and the default mapping and fallback team apply. */
  fromDefault: boolean;
}

export interface AccessInputs {
  active: boolean;
  /** Mappings of the groups the user belongs to. */
  groupMappings: MappingGrant[];
  defaultMapping: MappingGrant | null;
  fallbackTeam: { teamId: string; teamName: string } | null;
}

export const NO_ACCESS: EffectiveAccess = { globalLevel: 'NONE', globalGrantedBy: [], teams: [], fromDefault: false };

const sourceKey = (s: GrantSource) => (s.kind === 'default' ? '~default' : `${s.groupName.toLowerCase()}\u0000${s.groupId}`);

/** Sources in the order of their keys, each key made once (not twice per comparison). */
function sortSources(list: GrantSource[]): GrantSource[] {
  if (list.length < 2) return [...list];
  const keyed = list.map((source) => ({ source, key: sourceKey(source) }));
  keyed.sort((a, b) => a.key.localeCompare(b.key));
  return keyed.map((k) => k.source);
}

/** Merges mappings: the highest level wins, globally and per team, and the winners are kept as the reason. */
function merge(mappings: MappingGrant[]): Omit<EffectiveAccess, 'fromDefault'> {
  let globalLevel: PermissionLevel = 'NONE';
  let globalGrantedBy: GrantSource[] = [];
  const teams = new Map<string, TeamAccess>();
  for (const mapping of mappings) {
    if (levelRank(mapping.globalLevel) > levelRank(globalLevel)) {
      globalLevel = mapping.globalLevel;
      globalGrantedBy = [mapping.source];
    } else if (mapping.globalLevel === globalLevel && globalLevel !== 'NONE') {
      globalGrantedBy.push(mapping.source);
    }
    for (const grant of mapping.teams) {
      if (grant.level === 'NONE') continue;
      const current = teams.get(grant.teamId);
      if (!current || levelRank(grant.level) > levelRank(current.level)) {
        teams.set(grant.teamId, { teamId: grant.teamId, teamName: grant.teamName, level: grant.level, grantedBy: [mapping.source] });
      } else if (grant.level === current.level) {
        current.grantedBy.push(mapping.source);
      }
    }
  }
  return {
    globalLevel,
    globalGrantedBy: sortSources(globalGrantedBy),
    teams: [...teams.values()]
      .map((t) => ({ ...t, grantedBy: sortSources(t.grantedBy) }))
      .sort((a, b) => a.teamName.localeCompare(b.teamName) || a.teamId.localeCompare(b.teamId)),
  };
}

/**
 * A user's effective access (SPEC §2): the union of their groups' mappings, highest level winning per team
 * and globally. A user whose groups grant nothing gets the default mapping and membership of the fallback
 * team (VIEWER, or more where the default mapping grants that team more). A deactivated user has none.
 */
export function effectiveAccess(inputs: AccessInputs): EffectiveAccess {
  if (!inputs.active) return NO_ACCESS;
  const fromGroups = merge(inputs.groupMappings);
  if (fromGroups.globalLevel !== 'NONE' || fromGroups.teams.length > 0) return { ...fromGroups, fromDefault: false };

  const fallback: MappingGrant[] = [];
  if (inputs.defaultMapping) fallback.push({ ...inputs.defaultMapping, source: { kind: 'default' } });
  if (inputs.fallbackTeam) {
    fallback.push({
      source: { kind: 'default' },
      globalLevel: 'NONE',
      teams: [{ ...inputs.fallbackTeam, level: 'VIEWER' }],
    });
  }
  const merged = merge(fallback);
  // The default's grants and the fallback team both come from "the default": one reason, listed once.
  const once = (list: GrantSource[]) => list.filter((s, i) => list.findIndex((t) => sourceKey(t) === sourceKey(s)) === i);
  return {
    globalLevel: merged.globalLevel,
    globalGrantedBy: once(merged.globalGrantedBy),
    teams: merged.teams.map((t) => ({ ...t, grantedBy: once(t.grantedBy) })),
    fromDefault: true,
  };
}

/** Whether two computed accesses differ in what they allow (reasons aside). */
export function sameAccess(a: EffectiveAccess, b: EffectiveAccess): boolean {
  const key = (x: EffectiveAccess) => `${x.globalLevel}|${x.teams.map((t) => `${t.teamId}:${t.level}`).join(',')}`;
  return key(a) === key(b);
}
