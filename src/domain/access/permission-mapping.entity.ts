import { randomUUID } from 'node:crypto';
import { Entity, Enum, Index, OptionalProps, PrimaryKey, PrimaryKeyProp, Property, Unique } from '@mikro-orm/core';
import { PERMISSION_LEVELS, type PermissionLevel } from '../shared/permission-level';

/** What one IdP group grants; the row with no group is the tenant's default mapping. */
@Entity({ tableName: 'permission_mappings' })
@Unique({ name: 'permission_mappings_tenant_id_unique', properties: ['tenantId', 'id'] })
@Index({ name: 'permission_mappings_tenant_group', expression: 'create unique index permission_mappings_tenant_group on permission_mappings (tenant_id, group_id) where group_id is not null' })
@Index({ name: 'permission_mappings_tenant_default', expression: 'create unique index permission_mappings_tenant_default on permission_mappings (tenant_id) where group_id is null' })
export class PermissionMapping {
  [OptionalProps]?: 'groupId' | 'globalLevel' | 'updatedAt';

  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Property({ type: 'uuid' })
  tenantId!: string;

  /** Null for the default mapping. */
  @Property({ type: 'uuid', nullable: true })
  groupId: string | null = null;

  // The column has no default: every insert names the level ('NONE' is only a new entity's).
  @Enum({ items: [...PERMISSION_LEVELS], ignoreSchemaChanges: ['default'] })
  globalLevel: PermissionLevel = 'NONE';

  @Property({ type: 'timestamptz' })
  updatedAt: Date = new Date();
}

/** One (team, level) grant of a mapping. */
@Entity({ tableName: 'mapping_team_grants' })
@Index({ name: 'mapping_team_grants_team', properties: ['teamId'] })
export class MappingTeamGrant {
  [PrimaryKeyProp]?: ['mappingId', 'teamId'];

  @PrimaryKey({ type: 'uuid' })
  mappingId!: string;

  @PrimaryKey({ type: 'uuid' })
  teamId!: string;

  @Property({ type: 'uuid' })
  tenantId!: string;

  @Enum({ items: [...PERMISSION_LEVELS] })
  level!: PermissionLevel;
}
