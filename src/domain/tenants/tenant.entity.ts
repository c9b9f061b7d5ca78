import { randomUUID } from 'node:crypto';
import { Entity, OptionalProps, PrimaryKey, Property, Unique } from '@mikro-orm/core';

@Entity({ tableName: 'tenants' })
@Unique({ name: 'tenants_slug_unique', properties: ['slug'] })
export class Tenant {
  [OptionalProps]?: 'scimEnabled' | 'fallbackTeamId' | 'jitSignIn' | 'idpInitiatedSignIn' | 'createdAt' | 'updatedAt' | 'accessVersion';

  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Property({ type: 'text' })
  slug!: string;

  @Property({ type: 'text' })
  name!: string;

  @Property({ type: 'boolean' })
  scimEnabled = false;

  @Property({ type: 'uuid', nullable: true })
  fallbackTeamId: string | null = null;

  @Property({ type: 'boolean' })
  jitSignIn = false;

  @Property({ type: 'boolean' })
  idpInitiatedSignIn = false;

  /**
   * Bumped by triggers with every change to the tenant's mappings, team grants, teams or fallback team (see
   * Migration20261201600000_access_version); never written by the application. Read as a string (bigint).
   */
  @Property({ type: 'bigint', default: 0 })
  accessVersion?: string;

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();

  @Property({ type: 'timestamptz', onUpdate: () => new Date() })
  updatedAt: Date = new Date();
}
