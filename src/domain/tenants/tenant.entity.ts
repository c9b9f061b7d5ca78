import { randomUUID } from 'node:crypto';
import { Entity, OptionalProps, PrimaryKey, Property, Unique } from '@mikro-orm/core';

@Entity({ tableName: 'tenants' })
@Unique({ name: 'tenants_slug_unique', properties: ['slug'] })
export class Tenant {
  [OptionalProps]?: 'scimEnabled' | 'fallbackTeamId' | 'jitSignIn' | 'idpInitiatedSignIn' | 'createdAt' | 'updatedAt';

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

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();

  @Property({ type: 'timestamptz', onUpdate: () => new Date() })
  updatedAt: Date = new Date();
}
