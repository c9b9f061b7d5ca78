import { Migration } from '@mikro-orm/migrations';

/**
 * IdP logout finds sessions by NameID without scanning a tenant's sessions; the scheduled metadata refresh
 * orders tenants by their last attempt, so tenants whose refresh keeps failing cannot starve the others.
 */
export class Migration20261123400000_saml_upkeep extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create index sessions_saml_name_id on sessions (tenant_id, saml_name_id) where revoked_at is null;`);
    this.addSql(`alter table saml_connections add column metadata_attempted_at timestamptz null;`);
    this.addSql(`update saml_connections set metadata_attempted_at = metadata_refreshed_at;`);
    this.addSql(`drop index saml_connections_metadata_due;`);
    this.addSql(`create index saml_connections_metadata_due on saml_connections (metadata_attempted_at) where metadata_url is not null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop index saml_connections_metadata_due;`);
    this.addSql(`create index saml_connections_metadata_due on saml_connections (metadata_refreshed_at) where metadata_url is not null;`);
    this.addSql(`alter table saml_connections drop column metadata_attempted_at;`);
    this.addSql(`drop index sessions_saml_name_id;`);
  }
}
