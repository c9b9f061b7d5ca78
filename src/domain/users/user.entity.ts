import { randomUUID } from 'node:crypto';
import { Entity, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';

export type UserSource = 'SCIM' | 'SAML_JIT' | 'MANUAL';

/** A multi-valued SCIM attribute element (emails, phoneNumbers, photos, …). */
export interface MultiValue {
  value: string;
  type?: string;
  primary?: boolean;
  display?: string;
}

export interface Address {
  formatted?: string;
  streetAddress?: string;
  locality?: string;
  region?: string;
  postalCode?: string;
  country?: string;
  type?: string;
  primary?: boolean;
}

/** Attributes of schema extensions the domain does not model, by schema URN; kept and returned as sent. */
export type ExtensionAttributes = Record<string, Record<string, unknown>>;

@Entity({ tableName: 'users' })
export class User {
  [OptionalProps]?: 'version' | 'createdAt' | 'updatedAt' | 'active' | 'source' | 'emails' | 'phoneNumbers' | 'addresses' | 'photos' | 'extensions' | 'deletedAt' | 'deletedGroupIds' | 'photoEtag' | 'idpObjectId';

  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Property({ type: 'uuid' })
  tenantId!: string;

  /** Unique per tenant, compared case-insensitively (a functional unique index on lower(user_name)). */
  @Property({ type: 'text' })
  userName!: string;

  @Property({ type: 'text', nullable: true })
  externalId: string | null = null;

  @Property({ type: 'boolean' })
  active = true;

  @Property({ type: 'text', nullable: true })
  displayName: string | null = null;

  @Property({ type: 'text', nullable: true })
  givenName: string | null = null;

  @Property({ type: 'text', nullable: true })
  familyName: string | null = null;

  @Property({ type: 'text', nullable: true })
  middleName: string | null = null;

  @Property({ type: 'text', nullable: true })
  formattedName: string | null = null;

  @Property({ type: 'text', nullable: true })
  honorificPrefix: string | null = null;

  @Property({ type: 'text', nullable: true })
  honorificSuffix: string | null = null;

  @Property({ type: 'text', nullable: true })
  nickName: string | null = null;

  @Property({ type: 'text', nullable: true })
  title: string | null = null;

  @Property({ type: 'text', nullable: true })
  userType: string | null = null;

  @Property({ type: 'text', nullable: true })
  preferredLanguage: string | null = null;

  @Property({ type: 'text', nullable: true })
  locale: string | null = null;

  @Property({ type: 'text', nullable: true })
  timezone: string | null = null;

  @Property({ type: 'json' })
  emails: MultiValue[] = [];

  @Property({ type: 'json' })
  phoneNumbers: MultiValue[] = [];

  @Property({ type: 'json' })
  addresses: Address[] = [];

  @Property({ type: 'json' })
  photos: MultiValue[] = [];

  @Property({ type: 'text', nullable: true })
  employeeNumber: string | null = null;

  @Property({ type: 'text', nullable: true })
  costCenter: string | null = null;

  @Property({ type: 'text', nullable: true })
  organization: string | null = null;

  @Property({ type: 'text', nullable: true })
  division: string | null = null;

  @Property({ type: 'text', nullable: true })
  department: string | null = null;

  /** The manager's id as the client sent it (a user id of this tenant, usually). */
  @Property({ type: 'text', nullable: true })
  managerId: string | null = null;

  @Property({ type: 'json' })
  extensions: ExtensionAttributes = {};

  @Property({ type: 'text' })
  source: UserSource = 'MANUAL';

  /** The ETag of the user's stored photo (`user_photos`), or null when they have none. */
  @Property({ type: 'text', nullable: true })
  photoEtag: string | null = null;

  /** Entra's `objectidentifier` claim as last seen at SAML sign-in: how Graph may be asked for this user. */
  @Property({ type: 'text', nullable: true })
  idpObjectId: string | null = null;

  /** Bumped on every change; drives ETags. */
  @Property({ type: 'integer' })
  version = 1;

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();

  @Property({ type: 'timestamptz' })
  updatedAt: Date = new Date();

  /**
   * Set when the user is deleted: the row stays as a tombstone (inactive, invisible to every read and to
   * sign-in) until the retention job purges it, so the same person returning keeps the same id.
   */
  @Property({ type: 'timestamptz', nullable: true })
  deletedAt: Date | null = null;

  /** The groups a tombstone belonged to when deleted: given back if the user returns. */
  @Property({ type: 'json' })
  deletedGroupIds: string[] = [];
}
