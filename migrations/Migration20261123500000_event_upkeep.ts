import { Migration } from '@mikro-orm/migrations';

/** Retention prunes by age across tenants: an index on occurred_at keeps each batch from scanning the log. */
export class Migration20261123500000_event_upkeep extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create index provisioning_events_occurred_at on provisioning_events (occurred_at);`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop index provisioning_events_occurred_at;`);
  }
}
