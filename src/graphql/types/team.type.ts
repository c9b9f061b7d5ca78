import { DateTimeResolver } from 'graphql-scalars';
import { Field, ID, ObjectType } from 'type-graphql';
import type { Team } from '../../domain/teams/team.entity';

@ObjectType('Team')
export class TeamNode {
  @Field(() => ID)
  id!: string;

  @Field()
  name!: string;

  @Field(() => DateTimeResolver)
  createdAt!: Date;
}

export const toTeamNode = (t: Team): TeamNode => ({ id: t.id, name: t.name, createdAt: t.createdAt });
