import { randomUUID } from 'node:crypto';
import { Entity, Index, OptionalProps, PrimaryKey, Property, Unique } from '@mikro-orm/core';
import type { ExtensionAttributes } from '../users/user.entity';

/** A group as the IdP knows it. Members live in GroupMembership so a group row never carries them. */
@Entity({ tableName: 'idp_groups' })
@Unique({ name: 'idp_groups_tenant_id_unique', properties: ['tenantId', 'id'] })
@Index({ name: 'idp_groups_tenant_display_name_ci', expression: 'create unique index idp_groups_tenant_display_name_ci on idp_groups (tenant_id, lower(display_name))' })
@Index({ name: 'idp_groups_tenant_external_id', expression: 'create index idp_groups_tenant_external_id on idp_groups (tenant_id, external_id) where external_id is not null' })
export class IdpGroup {
  [OptionalProps]?: 'externalId' | 'extensions' | 'version' | 'createdAt' | 'updatedAt';

  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Property({ type: 'uuid' })
  tenantId!: string;

  /** Unique per tenant, compared case-insensitively. */
  @Property({ type: 'text' })
  displayName!: string;

  @Property({ type: 'text', nullable: true })
  externalId: string | null = null;

  @Property({ type: 'json', defaultRaw: `'{}'` })
  extensions: ExtensionAttributes = {};

  @Property({ type: 'integer' })
  version = 1;

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();

  @Property({ type: 'timestamptz' })
  updatedAt: Date = new Date();
}
