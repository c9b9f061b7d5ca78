import { DateTimeResolver } from 'graphql-scalars';
import { Field, ID, ObjectType } from 'type-graphql';
import type { Team } from '../../domain/teams/team.entity';

@ObjectType('Team', { simpleResolvers: true })
export class TeamNode {
  @Field(() => ID)
  id!: string;

  /** Not exposed: lets field resolvers act in the tenant the team was read from. */
  tenantId!: string;

  @Field()
  name!: string;

  @Field(() => DateTimeResolver)
  createdAt!: Date;
}

export const toTeamNode = (t: Team): TeamNode => ({ id: t.id, tenantId: t.tenantId, name: t.name, createdAt: t.createdAt });
