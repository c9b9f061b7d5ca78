import { Migration } from '@mikro-orm/migrations';

/** Tables whose rows a tenant's cached access data is made of (src/domain/access/tenant-access-cache.ts). */
const WATCHED = ['permission_mappings', 'mapping_team_grants', 'teams'] as const;

/**
 * `tenants.access_version` changes in the transaction of every change to what a process may cache of a
 * tenant's access: its mappings, their team grants, its teams (their names), its fallback team, its groups'
 * names and external ids (a rename of any group: whether the group is mapped may be changing in a
 * transaction this one cannot see yet). Bumped by triggers, so that no write path (an ORM flush, a cascade
 * from a group's or a team's deletion, a statement written later) can change those rows and leave the version
 * as it was. A read sees the version and the rows in one snapshot: two reads that see the same committed
 * version see the same rows, whenever they run.
 *
 * The triggers are deferred to the commit and bump once per tenant and transaction: the tenant's row is
 * locked for the last moment of the transaction only, after its foreign keys are checked (a mapping written
 * while its group is renamed or deleted would otherwise hold the tenant's row while waiting for the group's,
 * as the group's writer waited for the tenant's: a deadlock), and a mapping's 500 team grants replaced are
 * one bump, not 500.
 */
export class Migration20261201600000_access_version extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table tenants add column access_version bigint not null default 0;`);
    this.addSql(`create function portico_bump_access_version(tenant uuid) returns void language plpgsql as $$
declare
  done_in_this_transaction constant text := 'portico.access_bumped_' || replace(tenant::text, '-', '');
begin
  if current_setting(done_in_this_transaction, true) is distinct from 'yes' then
    update tenants set access_version = access_version + 1 where id = tenant;
    perform set_config(done_in_this_transaction, 'yes', true);
  end if;
end $$;`);
    this.addSql(`create function portico_access_rows_changed() returns trigger language plpgsql as $$
begin
  perform portico_bump_access_version(case when tg_op = 'DELETE' then old.tenant_id else new.tenant_id end);
  return null;
end $$;`);
    for (const table of WATCHED) {
      this.addSql(`create constraint trigger ${table}_access_changed after insert or update or delete on ${table}
        deferrable initially deferred for each row execute function portico_access_rows_changed();`);
    }
    // Membership changes touch every group's version and updated_at, not its name: no bump for those.
    this.addSql(`create constraint trigger idp_groups_access_renamed after update of display_name, external_id on idp_groups
      deferrable initially deferred for each row
      when (old.display_name is distinct from new.display_name or old.external_id is distinct from new.external_id)
      execute function portico_access_rows_changed();`);
    // The fallback team is a column of the tenant itself (set, cleared, or nulled by its team's deletion).
    this.addSql(`create function portico_fallback_team_changed() returns trigger language plpgsql as $$
begin
  if new.fallback_team_id is distinct from old.fallback_team_id then
    new.access_version := old.access_version + 1;
  end if;
  return new;
end $$;`);
    this.addSql(`create trigger tenants_fallback_team_changed before update of fallback_team_id on tenants for each row execute function portico_fallback_team_changed();`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop trigger tenants_fallback_team_changed on tenants;`);
    this.addSql(`drop function portico_fallback_team_changed();`);
    this.addSql(`drop trigger idp_groups_access_renamed on idp_groups;`);
    for (const table of WATCHED) this.addSql(`drop trigger ${table}_access_changed on ${table};`);
    this.addSql(`drop function portico_access_rows_changed();`);
    this.addSql(`drop function portico_bump_access_version(uuid);`);
    this.addSql(`alter table tenants drop column access_version;`);
  }
}
