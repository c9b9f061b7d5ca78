import { randomUUID } from 'node:crypto';
import { Entity, Index, OptionalProps, PrimaryKey, Property, Unique } from '@mikro-orm/core';

@Entity({ tableName: 'teams' })
@Unique({ name: 'teams_tenant_id_unique', properties: ['tenantId', 'id'] })
@Index({ name: 'teams_tenant_name_ci', expression: 'create unique index teams_tenant_name_ci on teams (tenant_id, lower(name))' })
export class Team {
  [OptionalProps]?: 'createdAt' | 'updatedAt';

  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Property({ type: 'uuid' })
  tenantId!: string;

  /** Unique per tenant, compared case-insensitively. */
  @Property({ type: 'text' })
  name!: string;

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();

  @Property({ type: 'timestamptz' })
  updatedAt: Date = new Date();
}
