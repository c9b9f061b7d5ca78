import { Migration } from '@mikro-orm/migrations';

/**
 * Live provisioning events. Each event row carries the id of the transaction that wrote it: ids drawn from a
 * sequence commit out of order, but a transaction id below the oldest still-running one can never gain
 * another event, so (tx_id, id) below that horizon is a cursor that never steps past a late commit. A
 * statement trigger rings `portico_events` in the transaction of every insert; PostgreSQL delivers it on
 * commit only, once per transaction.
 */
export class Migration20261123200000_event_feed extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table provisioning_events add column tx_id xid8 not null default pg_current_xact_id();`);
    this.addSql(`create index provisioning_events_feed on provisioning_events (tx_id, id);`);
    this.addSql(`create index provisioning_events_tenant_feed on provisioning_events (tenant_id, tx_id, id);`);
    this.addSql(`
      create function portico_ring_events() returns trigger language plpgsql as $$
      begin
        perform pg_notify('portico_events', '');
        return null;
      end $$;`);
    this.addSql(`create trigger provisioning_events_ring after insert on provisioning_events for each statement execute function portico_ring_events();`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop trigger provisioning_events_ring on provisioning_events;`);
    this.addSql(`drop function portico_ring_events();`);
    this.addSql(`drop index provisioning_events_tenant_feed;`);
    this.addSql(`drop index provisioning_events_feed;`);
    this.addSql(`alter table provisioning_events drop column tx_id;`);
  }
}
