import { DateTimeResolver } from 'graphql-scalars';
import { Field, ID, InputType, ObjectType } from 'type-graphql';
import type { IdpGroup } from '../../domain/groups/idp-group.entity';
import { Connection } from './connection';

@ObjectType('IdpGroup', { simpleResolvers: true, description: 'A group as the identity provider knows it.' })
export class IdpGroupNode {
  @Field(() => ID, { description: 'The same id as the SCIM resource.' })
  id!: string;

  /** Not exposed: lets field resolvers act in the tenant the node was read from. */
  tenantId!: string;

  @Field()
  displayName!: string;

  @Field(() => String, { nullable: true })
  externalId!: string | null;

  @Field(() => DateTimeResolver)
  createdAt!: Date;

  @Field(() => DateTimeResolver)
  updatedAt!: Date;
}

export const toGroupNode = (g: IdpGroup): IdpGroupNode => ({
  id: g.id,
  tenantId: g.tenantId,
  displayName: g.displayName,
  externalId: g.externalId,
  createdAt: g.createdAt,
  updatedAt: g.updatedAt,
});

@ObjectType({ simpleResolvers: true })
export class IdpGroupConnection extends Connection('IdpGroup', IdpGroupNode) {}

@InputType()
export class GroupFilter {
  @Field(() => String, {
    nullable: true,
    description: 'Substring of displayName, case-insensitive (% and _ match themselves). totalCount counts the groups it keeps.',
  })
  search?: string | null;
}
