import { Migration } from '@mikro-orm/migrations';

/**
 * Burst detection (every deletion and deactivation) counts a tenant's USER_DELETED and USER_DEACTIVATED events
 * of the last hour, and looks for a MASS_DEPROVISIONING in it. With (tenant_id, type, id) or (tenant_id,
 * occurred_at) alone, PostgreSQL read either every such event the tenant ever had or every event of the hour
 * (all of a busy provisioning cycle): milliseconds per deletion. This index reads exactly the window.
 */
export class Migration20261201200000_deprovisioning_window extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create index provisioning_events_tenant_type_time on provisioning_events (tenant_id, type, occurred_at);`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop index provisioning_events_tenant_type_time;`);
  }
}
