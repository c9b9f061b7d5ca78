import { describe, expect, it } from 'vitest';
import { effectiveAccess, sameAccess, type AccessInputs, type MappingGrant } from '../../src/domain/access/access-rules';
import type { PermissionLevel } from '../../src/domain/shared/permission-level';

const team = (id: string) => ({ teamId: id, teamName: id.toUpperCase() });
const group = (name: string, globalLevel: PermissionLevel, teams: [string, PermissionLevel][] = []): MappingGrant => ({
  source: { kind: 'group', groupId: `g-${name}`, groupName: name },
  globalLevel,
  teams: teams.map(([id, level]) => ({ ...team(id), level })),
});
const defaults = (globalLevel: PermissionLevel, teams: [string, PermissionLevel][] = []): MappingGrant => ({
  source: { kind: 'default' },
  globalLevel,
  teams: teams.map(([id, level]) => ({ ...team(id), level })),
});
const base: AccessInputs = { active: true, groupMappings: [], defaultMapping: defaults('VIEWER', [['docs', 'VIEWER']]), fallbackTeam: team('all') };

/** Compact view: global level, then team=level<-sources. */
function summary(inputs: Partial<AccessInputs>): string[] {
  const access = effectiveAccess({ ...base, ...inputs });
  const by = (s: { kind: string; groupName?: string }) => (s.kind === 'default' ? 'default' : s.groupName);
  return [
    `global=${access.globalLevel}<-${access.globalGrantedBy.map(by).join('+')}`,
    ...access.teams.map((t) => `${t.teamName}=${t.level}<-${t.grantedBy.map(by).join('+')}`),
  ];
}

describe('effective access: highest grant wins, explained', () => {
  it.each<[string, Partial<AccessInputs>, string[]]>([
    ['no groups: the default mapping and the fallback team', {}, ['global=VIEWER<-default', 'ALL=VIEWER<-default', 'DOCS=VIEWER<-default']],
    ['one group', { groupMappings: [group('eng', 'COLLABORATOR', [['api', 'ADMINISTRATOR']])] }, ['global=COLLABORATOR<-eng', 'API=ADMINISTRATOR<-eng']],
    [
      'many groups: highest per team and globally',
      {
        groupMappings: [
          group('eng', 'VIEWER', [['api', 'COLLABORATOR'], ['web', 'VIEWER']]),
          group('ops', 'COLLABORATOR', [['api', 'VIEWER'], ['infra', 'ADMINISTRATOR']]),
          group('leads', 'VIEWER', [['web', 'ADMINISTRATOR']]),
        ],
      },
      ['global=COLLABORATOR<-ops', 'API=COLLABORATOR<-eng', 'INFRA=ADMINISTRATOR<-ops', 'WEB=ADMINISTRATOR<-leads'],
    ],
    [
      'overlapping teams at the same level list every group that gave it',
      { groupMappings: [group('b-team', 'VIEWER', [['api', 'COLLABORATOR']]), group('a-team', 'VIEWER', [['api', 'COLLABORATOR']])] },
      ['global=VIEWER<-a-team+b-team', 'API=COLLABORATOR<-a-team+b-team'],
    ],
    [
      'a group whose mapping grants nothing counts as no grant: the default applies',
      { groupMappings: [group('empty', 'NONE', [['api', 'NONE']])] },
      ['global=VIEWER<-default', 'ALL=VIEWER<-default', 'DOCS=VIEWER<-default'],
    ],
    [
      'a deleted group or mapping simply is not among the inputs: the default applies',
      { groupMappings: [] },
      ['global=VIEWER<-default', 'ALL=VIEWER<-default', 'DOCS=VIEWER<-default'],
    ],
    [
      'the default mapping grants the fallback team more than VIEWER: the higher level wins',
      { defaultMapping: defaults('NONE', [['all', 'COLLABORATOR']]) },
      ['global=NONE<-', 'ALL=COLLABORATOR<-default'],
    ],
    ['no default mapping and no fallback team: nothing', { defaultMapping: null, fallbackTeam: null }, ['global=NONE<-']],
    ['a fallback team alone gives VIEWER on it', { defaultMapping: null }, ['global=NONE<-', 'ALL=VIEWER<-default']],
    [
      'a group grant keeps the user out of the fallback team',
      { groupMappings: [group('eng', 'NONE', [['api', 'VIEWER']])] },
      ['global=NONE<-', 'API=VIEWER<-eng'],
    ],
    ['a deactivated user has no access at all', { active: false, groupMappings: [group('admins', 'ADMINISTRATOR')] }, ['global=NONE<-']],
  ])('%s', (_case, inputs, expected) => {
    expect(summary(inputs)).toEqual(expected);
  });

  it('a deleted team is simply absent from every mapping', () => {
    const withTeam = effectiveAccess({ ...base, groupMappings: [group('eng', 'VIEWER', [['api', 'COLLABORATOR'], ['gone', 'ADMINISTRATOR']])] });
    const without = effectiveAccess({ ...base, groupMappings: [group('eng', 'VIEWER', [['api', 'COLLABORATOR']])] });
    expect(withTeam.teams.map((t) => t.teamId)).toEqual(['api', 'gone']);
    expect(without.teams.map((t) => t.teamId)).toEqual(['api']);
    expect(sameAccess(withTeam, without)).toBe(false);
  });

  it('marks access that came from the default', () => {
    expect(effectiveAccess(base).fromDefault).toBe(true);
    expect(effectiveAccess({ ...base, groupMappings: [group('eng', 'VIEWER')] }).fromDefault).toBe(false);
  });

  it('compares accesses by what they allow, not by their reasons', () => {
    const a = effectiveAccess({ ...base, groupMappings: [group('x', 'VIEWER', [['api', 'VIEWER']])] });
    const b = effectiveAccess({ ...base, groupMappings: [group('y', 'VIEWER', [['api', 'VIEWER']])] });
    expect(sameAccess(a, b)).toBe(true);
  });
});
