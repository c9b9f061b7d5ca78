import { DateTimeResolver } from 'graphql-scalars';
import { Field, ID, InputType, ObjectType } from 'type-graphql';
import { PermissionLevelEnum } from './enums';
import { Connection } from './connection';
import { IdpGroupNode } from './group.type';
import { UserNode } from './user.type';
import { TeamNode } from './team.type';

@ObjectType({ simpleResolvers: true, description: 'Why a user has a grant: an IdP group\'s mapping, or the tenant\'s default.' })
export class Grant {
  @Field(() => IdpGroupNode, { nullable: true })
  group!: IdpGroupNode | null;

  @Field()
  isDefault!: boolean;
}

@ObjectType({ simpleResolvers: true })
export class TeamGrant {
  @Field(() => TeamNode)
  team!: TeamNode;

  @Field(() => PermissionLevelEnum)
  level!: string;

  @Field(() => [Grant], { description: 'Every group (or the default) that granted this level.' })
  grantedBy!: Grant[];
}

@ObjectType({ simpleResolvers: true, description: 'The union of the user\'s groups\' mappings; the highest level wins, per team and globally.' })
export class EffectiveAccess {
  @Field(() => PermissionLevelEnum)
  globalLevel!: string;

  @Field(() => [Grant])
  globalGrantedBy!: Grant[];

  @Field(() => [TeamGrant])
  teams!: TeamGrant[];

  @Field({ description: 'The user\'s groups grant nothing: the default mapping and the fallback team apply.' })
  fromDefault!: boolean;
}

@ObjectType({ simpleResolvers: true })
export class MappingTeamLevel {
  @Field(() => TeamNode)
  team!: TeamNode;

  @Field(() => PermissionLevelEnum)
  level!: string;
}

@ObjectType({ simpleResolvers: true, description: 'What one IdP group grants, or (isDefault) what everyone whose groups grant nothing gets.' })
export class PermissionMapping {
  @Field(() => IdpGroupNode, { nullable: true })
  group!: IdpGroupNode | null;

  @Field()
  isDefault!: boolean;

  @Field(() => PermissionLevelEnum)
  globalLevel!: string;

  @Field(() => [MappingTeamLevel])
  teams!: MappingTeamLevel[];

  @Field(() => DateTimeResolver)
  updatedAt!: Date;
}

@InputType()
export class TeamLevelInput {
  @Field(() => ID)
  teamId!: string;

  @Field(() => PermissionLevelEnum)
  level!: string;
}

@InputType()
export class MappingInput {
  @Field(() => PermissionLevelEnum)
  globalLevel!: string;

  @Field(() => [TeamLevelInput], { defaultValue: [] })
  teams!: TeamLevelInput[];
}

@ObjectType({ simpleResolvers: true, description: 'A user with access to a team, at which level, and why.' })
export class TeamMember {
  @Field(() => UserNode)
  user!: UserNode;

  @Field(() => PermissionLevelEnum)
  level!: string;

  @Field(() => [Grant])
  grantedBy!: Grant[];
}

@ObjectType({ simpleResolvers: true })
export class TeamMemberConnection extends Connection('TeamMember', TeamMember) {}
