import { randomUUID } from 'node:crypto';
import { Entity, OptionalProps, PrimaryKey, PrimaryKeyProp, Property } from '@mikro-orm/core';
import type { PermissionLevel } from '../shared/permission-level';

/** What one IdP group grants; the row with no group is the tenant's default mapping. */
@Entity({ tableName: 'permission_mappings' })
export class PermissionMapping {
  [OptionalProps]?: 'groupId' | 'globalLevel' | 'updatedAt';

  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Property({ type: 'uuid' })
  tenantId!: string;

  /** Null for the default mapping. */
  @Property({ type: 'uuid', nullable: true })
  groupId: string | null = null;

  @Property({ type: 'text' })
  globalLevel: PermissionLevel = 'NONE';

  @Property({ type: 'timestamptz' })
  updatedAt: Date = new Date();
}

/** One (team, level) grant of a mapping. */
@Entity({ tableName: 'mapping_team_grants' })
export class MappingTeamGrant {
  [PrimaryKeyProp]?: ['mappingId', 'teamId'];

  @PrimaryKey({ type: 'uuid' })
  mappingId!: string;

  @PrimaryKey({ type: 'uuid' })
  teamId!: string;

  @Property({ type: 'uuid' })
  tenantId!: string;

  @Property({ type: 'text' })
  level!: PermissionLevel;
}
