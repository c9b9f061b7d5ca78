import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Scope } from '../../../src/domain/shared/scope';
import { TeamMembersDocument } from '../../generated/graphql';
import { createTenant, startTestPortico, type TestPortico } from '../../helpers/portico';

describe('team.members: who has access to a team, and why', () => {
  let portico: TestPortico;
  let scope: Scope;
  const t: Record<string, string> = {};
  const u: Record<string, string> = {};

  const members = async (teamId: string, first?: number, after?: string | null) => {
    const result = await portico.gql(TeamMembersDocument, { tenant: 'acme', id: teamId, first, after });
    expect(result.errors).toBeUndefined();
    return result.data!.team.members;
  };
  const summary = async (teamId: string) =>
    (await members(teamId)).edges.map(
      (e) => `${e.node.user.userName}=${e.node.level}<-${e.node.grantedBy.map((g) => (g.isDefault ? 'default' : g.group?.displayName)).join('+')}`,
    );

  beforeAll(async () => {
    portico = await startTestPortico();
    scope = await createTenant(portico, 'acme');
    for (const name of ['Everyone', 'Platform']) t[name] = (await portico.services.teams.create(scope, name)).id;
    for (const name of ['ann', 'ben', 'cat', 'dan', 'eve']) u[name] = (await portico.services.users.provision(scope, { userName: `${name}@acme.example` }, 'SCIM')).id;
    const eng = await portico.services.groups.create(scope, { displayName: 'Engineers' }, [u.ann, u.ben]);
    const sre = await portico.services.groups.create(scope, { displayName: 'SRE' }, [u.ben, u.cat]);
    const idle = await portico.services.groups.create(scope, { displayName: 'Idle' }, [u.dan]);
    await portico.services.access.setGroupMapping(scope, eng.id, { globalLevel: 'VIEWER', teams: [{ teamId: t.Platform, level: 'COLLABORATOR' }] });
    await portico.services.access.setGroupMapping(scope, sre.id, { globalLevel: 'VIEWER', teams: [{ teamId: t.Platform, level: 'ADMINISTRATOR' }] });
    await portico.services.access.setGroupMapping(scope, idle.id, { globalLevel: 'NONE', teams: [] });
    await portico.services.access.setFallbackTeam(scope, t.Everyone);
    await portico.services.users.update(scope, u.eve, { active: false });
  });
  afterAll(() => portico?.stop());

  it('lists members of mapped groups with the winning level and the groups that gave it', async () => {
    expect(await summary(t.Platform)).toEqual([
      'ann@acme.example=COLLABORATOR<-Engineers',
      'ben@acme.example=ADMINISTRATOR<-SRE',
      'cat@acme.example=ADMINISTRATOR<-SRE',
    ]);
  });

  it('the fallback team holds exactly the active users whose groups grant nothing', async () => {
    // dan's only group has a mapping that grants nothing; eve is deactivated.
    expect(await summary(t.Everyone)).toEqual(['dan@acme.example=VIEWER<-default']);
  });

  it('pages by userName with a true total', async () => {
    const first = await members(t.Platform, 2);
    expect(first.totalCount).toBe(3);
    expect(first.edges.map((e) => e.node.user.userName)).toEqual(['ann@acme.example', 'ben@acme.example']);
    const rest = await members(t.Platform, 2, first.pageInfo.endCursor);
    expect(rest.edges.map((e) => e.node.user.userName)).toEqual(['cat@acme.example']);
    expect(rest.pageInfo.hasNextPage).toBe(false);
  });
});
