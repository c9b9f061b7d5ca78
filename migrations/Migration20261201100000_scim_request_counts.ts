import { Migration } from '@mikro-orm/migrations';

/**
 * How many SCIM requests each tenant received, per hour (User provisioning: "requests from Entra in the last
 * 24 h, and how many were refused").
 *
 * - `scim_request_counts`: one row per tenant and hour (`hour` is the start of the hour). Each app process
 *   counts in memory and adds its counts every few seconds with one upsert per row, so several processes add
 *   up. `refused` counts the requests answered with an error status (4xx or 5xx). Rows older than a few days
 *   are pruned by the hourly job (by `hour`, hence its index).
 */
export class Migration20261201100000_scim_request_counts extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table scim_request_counts (
        tenant_id uuid not null references tenants(id) on delete cascade,
        hour timestamptz not null,
        requests bigint not null default 0 check (requests >= 0),
        refused bigint not null default 0 check (refused >= 0),
        primary key (tenant_id, hour)
      );`);
    this.addSql(`create index scim_request_counts_hour on scim_request_counts (hour);`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table scim_request_counts;`);
  }
}
