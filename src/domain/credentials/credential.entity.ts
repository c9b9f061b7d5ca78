import { randomUUID } from 'node:crypto';
import { Entity, Enum, Index, OptionalProps, PrimaryKey, Property, Unique } from '@mikro-orm/core';
import { PERMISSION_LEVELS, type PermissionLevel } from '../shared/permission-level';

export const CREDENTIAL_KINDS = ['OPERATOR', 'API_KEY', 'SCIM'] as const;
export type CredentialKind = (typeof CREDENTIAL_KINDS)[number];

/** A bearer credential. Only the SHA-256 of the token is stored, with a short prefix to recognise it. */
@Entity({ tableName: 'credentials' })
@Unique({ name: 'credentials_token_hash_unique', properties: ['tokenHash'] })
@Index({ name: 'credentials_tenant_kind', properties: ['tenantId', 'kind', 'createdAt'] })
@Index({ name: 'credentials_created_by_user', expression: 'create index credentials_created_by_user on credentials (created_by_user_id) where created_by_user_id is not null' })
export class Credential {
  [OptionalProps]?: 'tenantId' | 'level' | 'createdAt' | 'lastUsedAt' | 'revokedAt' | 'createdByUserId' | 'createdByLabel';

  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  /** Null for the operator token. */
  @Property({ type: 'uuid', nullable: true })
  tenantId: string | null = null;

  @Enum({ items: [...CREDENTIAL_KINDS] })
  kind!: CredentialKind;

  @Property({ type: 'text' })
  name!: string;

  // The column has no default: every insert names the level ('NONE' is only a new entity's).
  @Enum({ items: [...PERMISSION_LEVELS], ignoreSchemaChanges: ['default'] })
  level: PermissionLevel = 'NONE';

  @Property({ type: 'text', hidden: true })
  tokenHash!: string;

  @Property({ type: 'text' })
  displayPrefix!: string;

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();

  /**
   * The signed-in user whose authority the credential rests on: the one who minted it through a session, or
   * the creator of the API key that minted it. Null when the platform (operator, CLI) stands behind it. The
   * credential works only while this user is active, and at most at their current global level.
   */
  @Property({ type: 'uuid', nullable: true })
  createdByUserId: string | null = null;

  /** Who minted it, as the provisioning log names them then (a user name, an API key, the operator). */
  @Property({ type: 'text', nullable: true })
  createdByLabel: string | null = null;

  @Property({ type: 'timestamptz', nullable: true })
  lastUsedAt: Date | null = null;

  /** When the credential stops working; a future time is a rotation grace period. */
  @Property({ type: 'timestamptz', nullable: true })
  revokedAt: Date | null = null;
}
