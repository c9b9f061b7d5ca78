import { DateTimeResolver } from 'graphql-scalars';
import { Field, ID, ObjectType } from 'type-graphql';
import type { User as UserEntity } from '../../domain/users/user.entity';
import { Connection } from './connection';

@ObjectType('DeletedUser', {
  simpleResolvers: true,
  description: 'A deleted user kept until the retention period ends: gone for SCIM and sign-in, restorable with the same id.',
})
export class DeletedUserNode {
  @Field(() => ID, { description: 'The id the user had, and has again when restored.' })
  id!: string;

  @Field()
  userName!: string;

  @Field(() => String, { nullable: true })
  displayName!: string | null;

  @Field(() => String, { nullable: true })
  externalId!: string | null;

  @Field(() => DateTimeResolver)
  deletedAt!: Date;
}

export const toDeletedUserNode = (u: UserEntity): DeletedUserNode => ({
  id: u.id,
  userName: u.userName,
  displayName: u.displayName,
  externalId: u.externalId,
  deletedAt: u.deletedAt ?? u.updatedAt,
});

@ObjectType({ simpleResolvers: true })
export class DeletedUserConnection extends Connection('DeletedUser', DeletedUserNode) {}
