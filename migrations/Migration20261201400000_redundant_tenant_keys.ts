import { Migration } from '@mikro-orm/migrations';

/**
 * A membership references its group and its user by `(tenant_id, id)`, and a session its user the same way:
 * those keys already hold the row to its tenant, and a tenant's deletion reaches it through them (tenant →
 * group or user → membership or session, each on delete cascade). The key straight to `tenants` checked the
 * same thing once more for every row: a third of the checks PostgreSQL ran at the commit of a SCIM batch of
 * 100 members (100 of 300 lookups).
 */
export class Migration20261201400000_redundant_tenant_keys extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table group_memberships drop constraint group_memberships_tenant_id_fkey;`);
    this.addSql(`alter table sessions drop constraint sessions_tenant_id_fkey;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table group_memberships add constraint group_memberships_tenant_id_fkey foreign key (tenant_id) references tenants (id) on delete cascade deferrable initially deferred;`);
    this.addSql(`alter table sessions add constraint sessions_tenant_id_fkey foreign key (tenant_id) references tenants (id) on delete cascade deferrable initially deferred;`);
  }
}
