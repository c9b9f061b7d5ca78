import { randomUUID } from 'node:crypto';
import { Entity, Index, OptionalProps, PrimaryKey, Property, Unique } from '@mikro-orm/core';

/** A signed-in user's session; the opaque token is stored only as its SHA-256. */
@Entity({ tableName: 'sessions' })
@Unique({ name: 'sessions_token_hash_unique', properties: ['tokenHash'] })
@Index({ name: 'sessions_user', expression: 'create index sessions_user on sessions (user_id) where revoked_at is null' })
@Index({ name: 'sessions_saml_name_id', expression: 'create index sessions_saml_name_id on sessions (tenant_id, saml_name_id) where revoked_at is null' })
export class Session {
  [OptionalProps]?: 'createdAt' | 'revokedAt' | 'samlNameId' | 'samlNameIdFormat' | 'samlSessionIndex';

  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Property({ type: 'uuid' })
  tenantId!: string;

  @Property({ type: 'uuid' })
  userId!: string;

  @Property({ type: 'text', hidden: true })
  tokenHash!: string;

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();

  @Property({ type: 'timestamptz' })
  expiresAt!: Date;

  @Property({ type: 'timestamptz', nullable: true })
  revokedAt: Date | null = null;

  /** The NameID the IdP vouched for: a single-logout request names the user by it. */
  @Property({ type: 'text', nullable: true })
  samlNameId: string | null = null;

  /** The NameID's format, as the IdP sent it (a LogoutRequest must use the same). */
  @Property({ type: 'text', nullable: true })
  samlNameIdFormat: string | null = null;

  /** The IdP's SessionIndex of the sign-in, so an IdP logout ends exactly this session. */
  @Property({ type: 'text', nullable: true })
  samlSessionIndex: string | null = null;
}
