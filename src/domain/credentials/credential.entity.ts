import { randomUUID } from 'node:crypto';
import { Entity, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import type { PermissionLevel } from '../shared/permission-level';

export type CredentialKind = 'OPERATOR' | 'API_KEY' | 'SCIM';

/** A bearer credential. Only the SHA-256 of the token is stored, with a short prefix to recognise it. */
@Entity({ tableName: 'credentials' })
export class Credential {
  [OptionalProps]?: 'tenantId' | 'level' | 'createdAt' | 'lastUsedAt' | 'revokedAt' | 'createdByUserId' | 'createdByLabel';

  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  /** Null for the operator token. */
  @Property({ type: 'uuid', nullable: true })
  tenantId: string | null = null;

  @Property({ type: 'text' })
  kind!: CredentialKind;

  @Property({ type: 'text' })
  name!: string;

  @Property({ type: 'text' })
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
