import { DateTimeResolver } from 'graphql-scalars';
import { Field, ID, InputType, ObjectType } from 'type-graphql';
import type { User as UserEntity } from '../../domain/users/user.entity';
import { Connection } from './connection';
import { UserSourceEnum } from './enums';

@ObjectType({ simpleResolvers: true })
export class MultiValuedAttribute {
  @Field()
  value!: string;

  @Field(() => String, { nullable: true })
  type!: string | null;

  @Field()
  primary!: boolean;
}

@ObjectType({ simpleResolvers: true })
export class PersonName {
  @Field(() => String, { nullable: true })
  formatted!: string | null;

  @Field(() => String, { nullable: true })
  givenName!: string | null;

  @Field(() => String, { nullable: true })
  familyName!: string | null;

  @Field(() => String, { nullable: true })
  middleName!: string | null;

  @Field(() => String, { nullable: true })
  honorificPrefix!: string | null;

  @Field(() => String, { nullable: true })
  honorificSuffix!: string | null;
}

@ObjectType('User', { simpleResolvers: true })
export class UserNode {
  @Field(() => ID, { description: 'The same id as the SCIM resource.' })
  id!: string;

  /** Not exposed: lets field resolvers act in the tenant the node was read from. */
  tenantId!: string;

  @Field()
  userName!: string;

  @Field(() => String, { nullable: true })
  displayName!: string | null;

  @Field()
  active!: boolean;

  @Field(() => UserSourceEnum)
  source!: string;

  @Field(() => String, { nullable: true })
  externalId!: string | null;

  @Field(() => PersonName)
  name!: PersonName;

  @Field(() => [MultiValuedAttribute])
  emails!: MultiValuedAttribute[];

  @Field(() => [MultiValuedAttribute])
  phoneNumbers!: MultiValuedAttribute[];

  @Field(() => String, { nullable: true })
  title!: string | null;

  @Field(() => String, { nullable: true })
  userType!: string | null;

  @Field(() => String, { nullable: true })
  preferredLanguage!: string | null;

  @Field(() => String, { nullable: true })
  locale!: string | null;

  @Field(() => String, { nullable: true })
  timezone!: string | null;

  @Field(() => String, { nullable: true })
  employeeNumber!: string | null;

  @Field(() => String, { nullable: true })
  costCenter!: string | null;

  @Field(() => String, { nullable: true })
  organization!: string | null;

  @Field(() => String, { nullable: true })
  division!: string | null;

  @Field(() => String, { nullable: true })
  department!: string | null;

  @Field(() => String, { nullable: true, description: 'The id of this user\'s manager, as the IdP sent it.' })
  managerId!: string | null;

  /** The ETag of the stored photo (read by the `photoUrl` field resolver; not a field itself). */
  photoEtag!: string | null;

  @Field(() => DateTimeResolver)
  createdAt!: Date;

  @Field(() => DateTimeResolver)
  updatedAt!: Date;
}

const toMultiValued = (list: UserEntity['emails']): MultiValuedAttribute[] =>
  list.map((v) => ({ value: v.value, type: v.type ?? null, primary: v.primary === true }));

export const toUserNode = (u: UserEntity): UserNode => ({
  id: u.id,
  tenantId: u.tenantId,
  userName: u.userName,
  displayName: u.displayName,
  active: u.active,
  source: u.source,
  externalId: u.externalId,
  name: {
    formatted: u.formattedName,
    givenName: u.givenName,
    familyName: u.familyName,
    middleName: u.middleName,
    honorificPrefix: u.honorificPrefix,
    honorificSuffix: u.honorificSuffix,
  },
  emails: toMultiValued(u.emails),
  phoneNumbers: toMultiValued(u.phoneNumbers),
  title: u.title,
  userType: u.userType,
  preferredLanguage: u.preferredLanguage,
  locale: u.locale,
  timezone: u.timezone,
  employeeNumber: u.employeeNumber,
  costCenter: u.costCenter,
  organization: u.organization,
  division: u.division,
  department: u.department,
  managerId: u.managerId,
  photoEtag: u.photoEtag,
  createdAt: u.createdAt,
  updatedAt: u.updatedAt,
});

@ObjectType({ simpleResolvers: true })
export class UserConnection extends Connection('User', UserNode) {}

@InputType()
export class UserFilter {
  @Field(() => String, { nullable: true, description: 'Exact userName, case-insensitive.' })
  userName?: string | null;

  @Field(() => Boolean, { nullable: true })
  active?: boolean | null;

  @Field(() => String, { nullable: true, description: 'Substring of userName, display name, name or e-mail.' })
  search?: string | null;
}
