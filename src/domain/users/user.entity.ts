import { randomUUID } from 'node:crypto';
import { Entity, Index, OptionalProps, PrimaryKey, Property, Unique } from '@mikro-orm/core';

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

/*
 * Indexes and constraints as the migrations create them (the schema diff test holds the two together). An
 * index with an `expression` is compared by name only: its SQL here documents it, the migration is what runs.
 */
@Entity({ tableName: 'users' })
// (tenant_id, id) is what rows of the same tenant reference: no row can point across tenants.
@Unique({ name: 'users_tenant_id_unique', properties: ['tenantId', 'id'] })
@Index({ name: 'users_tenant_user_name_ci', expression: 'create unique index users_tenant_user_name_ci on users (tenant_id, lower(user_name)) where deleted_at is null' })
@Index({ name: 'users_tenant_external_id', expression: 'create index users_tenant_external_id on users (tenant_id, external_id) where external_id is not null' })
@Index({ name: 'users_tenant_created_live', expression: 'create index users_tenant_created_live on users (tenant_id, created_at, id) where deleted_at is null' })
@Index({ name: 'users_tenant_deleted', expression: 'create index users_tenant_deleted on users (tenant_id, deleted_at desc, id) where deleted_at is not null' })
@Index({ name: 'users_deleted_at', expression: 'create index users_deleted_at on users (deleted_at) where deleted_at is not null' })
@Index({ name: 'users_search_trgm', expression: 'create index users_search_trgm on users using gin (search_text gin_trgm_ops) where deleted_at is null' })
@Index({
  name: 'users_search_cover',
  expression: 'create index users_search_cover on users (tenant_id, lower(user_name)) include (user_name, active, search_text, id) where deleted_at is null',
})
@Index({ name: 'users_name_key', expression: "create index users_name_key on users ((tenant_id::text || '/' || lower(user_name)))" })
@Index({ name: 'users_tenant_deactivated', expression: 'create index users_tenant_deactivated on users (tenant_id) where deleted_at is null and not active' })
export class User {
  [OptionalProps]?: 'version' | 'createdAt' | 'updatedAt' | 'active' | 'source' | 'emails' | 'phoneNumbers' | 'addresses' | 'photos' | 'extensions' | 'deletedAt' | 'deletedGroupIds' | 'photoEtag' | 'idpObjectId' | 'searchText';

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

  @Property({ type: 'json', defaultRaw: `'[]'` })
  emails: MultiValue[] = [];

  @Property({ type: 'json', defaultRaw: `'[]'` })
  phoneNumbers: MultiValue[] = [];

  @Property({ type: 'json', defaultRaw: `'[]'` })
  addresses: Address[] = [];

  @Property({ type: 'json', defaultRaw: `'[]'` })
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

  @Property({ type: 'json', defaultRaw: `'{}'` })
  extensions: ExtensionAttributes = {};

  // The column has no default: every insert names its source ('MANUAL' is only a new entity's).
  @Property({ type: 'text', ignoreSchemaChanges: ['default'] })
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
  @Property({ type: 'json', defaultRaw: `'[]'` })
  deletedGroupIds: string[] = [];

  /**
   * What the list's `filter.search` matches, computed by PostgreSQL (Migration20261201100000_users_list_search
   * says why it looks like this): read only by the list search's SQL. Lazy and hidden: never loaded with a
   * user nor written by one. Each `'\n'` below is a newline inside an SQL string, the migration's E'\\n'.
   */
  @Property({
    type: 'text',
    lazy: true,
    hidden: true,
    generated: `(
      case when strpos(lower(emails::text), lower(user_name)) > 0 then '' else lower(user_name) || '\n' end
      || lower(coalesce(display_name, ''))
      || case
           when strpos(lower(coalesce(display_name, '')), lower(coalesce(given_name || ' ' || family_name, given_name, family_name, ''))) > 0 then ''
           else '\n' || lower(coalesce(given_name || ' ' || family_name, given_name, family_name, ''))
         end
      || '\n' || lower(emails::text)
    ) stored`,
  })
  searchText?: string;
}

/** What decides how a user is shown: its version (every change of its attributes bumps it) and its photo (served apart, not versioned). */
export type UserVersion = Pick<User, 'id' | 'version' | 'photoEtag'>;
