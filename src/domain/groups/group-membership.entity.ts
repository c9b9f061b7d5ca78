import { Entity, Index, OptionalProps, PrimaryKey, PrimaryKeyProp, Property } from '@mikro-orm/core';

/**
 * Membership is written in set-based SQL (batches), and read both ways through two indexes. Its group and user are
 * checked once per statement by triggers, not per row by foreign keys (migration 20261201700000).
 */
@Entity({ tableName: 'group_memberships' })
@Index({ name: 'group_memberships_user_group', properties: ['userId', 'groupId'] })
export class GroupMembership {
  [OptionalProps]?: 'createdAt';

  [PrimaryKeyProp]?: ['groupId', 'userId'];

  @PrimaryKey({ type: 'uuid' })
  groupId!: string;

  @PrimaryKey({ type: 'uuid' })
  userId!: string;

  @Property({ type: 'uuid' })
  tenantId!: string;

  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  createdAt: Date = new Date();
}
