import { Migration } from '@mikro-orm/migrations';

/**
 * The ids of the IdP LogoutRequests already acted on, so that a captured request cannot end sessions again
 * (signed sign-ins after it included). Kept as long as the request's IssueInstant would still be accepted.
 */
export class Migration20261130154500_saml_logout_replay extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table saml_accepted_logout_requests (
        tenant_id uuid not null references tenants (id) on delete cascade deferrable initially deferred,
        request_id text not null,
        expires_at timestamptz not null,
        primary key (tenant_id, request_id)
      );`);
    this.addSql(`create index saml_accepted_logout_requests_expiry on saml_accepted_logout_requests (expires_at);`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table saml_accepted_logout_requests;`);
  }
}
