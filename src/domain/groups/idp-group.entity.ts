import { randomUUID } from 'node:crypto';
import { Entity, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import type { ExtensionAttributes } from '../users/user.entity';

/** A group as the IdP knows it. Members live in GroupMembership so a group row never carries them. */
@Entity({ tableName: 'idp_groups' })
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

  @Property({ type: 'json' })
  extensions: ExtensionAttributes = {};

  @Property({ type: 'integer' })
  version = 1;

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();

  @Property({ type: 'timestamptz' })
  updatedAt: Date = new Date();
}
