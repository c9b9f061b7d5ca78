import { Field, ObjectType } from 'type-graphql';
import { PermissionLevelEnum, ViewerKindEnum } from './enums';
import { TenantNode } from './tenant.type';
import { UserNode } from './user.type';

@ObjectType({ simpleResolvers: true })
export class Viewer {
  @Field(() => ViewerKindEnum)
  kind!: string;

  @Field(() => PermissionLevelEnum, { description: 'What the caller may do in its tenant.' })
  level!: string;

  @Field(() => TenantNode, { nullable: true, description: 'The caller\'s tenant; null for the operator.' })
  tenant!: TenantNode | null;

  @Field(() => UserNode, { nullable: true, description: 'The signed-in user; null for keys and the operator.' })
  user!: UserNode | null;
}
