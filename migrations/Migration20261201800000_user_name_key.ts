import { Migration } from '@mikro-orm/migrations';

/**
 * Entra's lookup before every provisioning (`filter=userName eq "…"`) as a prepared statement.
 *
 * Unnamed, it cost PostgreSQL 0.22 ms of CPU per lookup (parsed, analysed and planned each time) against 0.07 ms
 * prepared. Prepared as `tenant_id = $1 and lower(user_name) = lower($2) and deleted_at is null`, the plan it
 * keeps is made on its first executions, on a table that is often still empty: there every index naming the
 * tenant costs the same, and the one kept walked all of the tenant's users for each lookup once it had 10,000
 * (`npm run bench`: PostgreSQL 1.3-1.7 ms per request).
 *
 * `users_name_key` is the tenant and the lowercased userName as one value, over every row (live or not): the
 * lookup names that value, and its live condition is written so that no partial index can serve it, so no other
 * index has a condition to offer. An empty table's plan is then this index (its condition is far more selective
 * than a scan of every row); a plan made on a handful of analysed users may be a sequential scan, until the
 * next ANALYZE (autovacuum's, as the tenant grows) makes PostgreSQL plan it again.
 */
export class Migration20261201800000_user_name_key extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create index users_name_key on users ((tenant_id::text || '/' || lower(user_name)));`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop index users_name_key;`);
  }
}
