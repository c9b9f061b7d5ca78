import { Entity, Index, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import type { CertificateInfo } from './certificates';

/** A tenant's SAML connection: the IdP it trusts and the SP's own key pair (private key sealed). */
@Entity({ tableName: 'saml_connections' })
@Index({ name: 'saml_connections_metadata_due', expression: 'create index saml_connections_metadata_due on saml_connections (metadata_attempted_at) where metadata_url is not null' })
export class SamlConnection {
  [OptionalProps]?: 'createdAt' | 'updatedAt' | 'idpCertificates';

  @PrimaryKey({ type: 'uuid' })
  tenantId!: string;

  @Property({ type: 'text', nullable: true })
  idpEntityId: string | null = null;

  @Property({ type: 'text', nullable: true })
  idpSsoUrl: string | null = null;

  @Property({ type: 'text', nullable: true })
  idpSloUrl: string | null = null;

  @Property({ type: 'json', defaultRaw: `'[]'` })
  idpCertificates: CertificateInfo[] = [];

  @Property({ type: 'text', nullable: true })
  metadataUrl: string | null = null;

  /** The last metadata that parsed and was applied: kept when a later refresh fails. */
  @Property({ type: 'text', nullable: true, lazy: true })
  metadataXml: string | null = null;

  @Property({ type: 'timestamptz', nullable: true })
  metadataRefreshedAt: Date | null = null;

  @Property({ type: 'text', nullable: true })
  metadataRefreshError: string | null = null;

  /** The last refresh attempt, successful or not: the schedule goes by it. */
  @Property({ type: 'timestamptz', nullable: true })
  metadataAttemptedAt: Date | null = null;

  @Property({ type: 'text' })
  spCertificate!: string;

  /** Sealed with PORTICO_SECRET_KEY (SecretBox); never returned by any API. */
  @Property({ type: 'text', hidden: true })
  spPrivateKeyEncrypted!: string;

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();

  @Property({ type: 'timestamptz', onUpdate: () => new Date() })
  updatedAt: Date = new Date();
}
