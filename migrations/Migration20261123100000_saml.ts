import { Migration } from '@mikro-orm/migrations';

/**
 * SAML sign-in: one connection per tenant (IdP settings, trusted certificates, the SP's key pair), the
 * AuthnRequest ids awaiting their response, the assertion ids already accepted, and what a session needs
 * for single logout.
 */
export class Migration20261123100000_saml extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table saml_connections (
        tenant_id uuid primary key references tenants (id) on delete cascade deferrable initially deferred,
        idp_entity_id text null,
        idp_sso_url text null,
        idp_slo_url text null,
        idp_certificates jsonb not null default '[]',
        metadata_url text null,
        metadata_xml text null,
        metadata_refreshed_at timestamptz null,
        metadata_refresh_error text null,
        sp_certificate text not null,
        sp_private_key_encrypted text not null,
        created_at timestamptz not null,
        updated_at timestamptz not null
      );`);
    this.addSql(`create index saml_connections_metadata_due on saml_connections (metadata_refreshed_at) where metadata_url is not null;`);

    // An AuthnRequest id is consumed (deleted) by the one response that answers it.
    this.addSql(`
      create table saml_pending_requests (
        tenant_id uuid not null references tenants (id) on delete cascade deferrable initially deferred,
        request_id text not null,
        expires_at timestamptz not null,
        primary key (tenant_id, request_id)
      );`);
    this.addSql(`create index saml_pending_requests_expiry on saml_pending_requests (expires_at);`);

    // Kept until the assertion itself expires: after that, its own NotOnOrAfter refuses it.
    this.addSql(`
      create table saml_accepted_assertions (
        tenant_id uuid not null references tenants (id) on delete cascade deferrable initially deferred,
        assertion_id text not null,
        expires_at timestamptz not null,
        primary key (tenant_id, assertion_id)
      );`);
    this.addSql(`create index saml_accepted_assertions_expiry on saml_accepted_assertions (expires_at);`);

    this.addSql(`alter table sessions add column saml_name_id text null, add column saml_session_index text null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table sessions drop column saml_name_id, drop column saml_session_index;`);
    this.addSql(`drop table saml_accepted_assertions;`);
    this.addSql(`drop table saml_pending_requests;`);
    this.addSql(`drop table saml_connections;`);
  }
}
