import { ArgsType, Field, Int } from 'type-graphql';

@ArgsType()
export class PageArgs {
  @Field(() => Int, { nullable: true, description: 'At most 100; 50 when omitted.' })
  first?: number | null;

  @Field(() => String, { nullable: true })
  after?: string | null;
}

@ArgsType()
export class TenantPageArgs extends PageArgs {
  @Field(() => String, { nullable: true, description: 'Tenant slug: required for the operator, optional otherwise.' })
  tenant?: string | null;
}

export const TENANT_ARG = { nullable: true, description: 'Tenant slug: required for the operator, optional otherwise.' };
