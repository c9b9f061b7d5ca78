import { Migration } from '@mikro-orm/migrations';

/** Tables whose rows a tenant's cached access data is made of (src/domain/access/tenant-access-cache.ts). */
const WATCHED = ['permission_mappings', 'mapping_team_grants', 'teams'] as const;

/**
 * `tenants.access_version` changes in the transaction of every change to what a process may cache of a
 * tenant's access: its mappings, their team grants, its teams (their names), its fallback team, its groups'
 * names and external ids (a rename of any group: whether the group is mapped may be changing in a
 * transaction this one cannot see yet). Bumped by
 * triggers, so that no write path (an ORM flush, a cascade from a group's or a team's deletion, a statement
 * written later) can change those rows and leave the version as it was. A read sees the version and the rows
 * in one snapshot: two reads that see the same committed version see the same rows, whenever they run.
 * Statement-level triggers: a mapping's 500 team grants replaced are one bump, not 500.
 */
export class Migration20261207010000_access_version extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table tenants add column access_version bigint not null default 0;`);
    this.addSql(`create function portico_access_rows_changed() returns trigger language plpgsql as $$
begin
  if tg_op = 'INSERT' then
    update tenants set access_version = access_version + 1 where id in (select tenant_id from new_rows);
  elsif tg_op = 'DELETE' then
    update tenants set access_version = access_version + 1 where id in (select tenant_id from old_rows);
  else
    update tenants set access_version = access_version + 1 where id in (select tenant_id from old_rows union select tenant_id from new_rows);
  end if;
  return null;
end $$;`);
    for (const table of WATCHED) {
      this.addSql(`create trigger ${table}_access_inserted after insert on ${table} referencing new table as new_rows for each statement execute function portico_access_rows_changed();`);
      this.addSql(`create trigger ${table}_access_updated after update on ${table} referencing old table as old_rows new table as new_rows for each statement execute function portico_access_rows_changed();`);
      this.addSql(`create trigger ${table}_access_deleted after delete on ${table} referencing old table as old_rows for each statement execute function portico_access_rows_changed();`);
    }
    this.addSql(`create function portico_group_renamed() returns trigger language plpgsql as $$
begin
  update tenants set access_version = access_version + 1 where id = new.tenant_id;
  return null;
end $$;`);
    // Membership changes touch every group's version and updated_at, not its name: no bump for those.
    this.addSql(`create trigger idp_groups_access_renamed after update of display_name, external_id on idp_groups for each row
      when (old.display_name is distinct from new.display_name or old.external_id is distinct from new.external_id)
      execute function portico_group_renamed();`);
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
    this.addSql(`drop function portico_group_renamed();`);
    for (const table of WATCHED) {
      for (const event of ['inserted', 'updated', 'deleted']) this.addSql(`drop trigger ${table}_access_${event} on ${table};`);
    }
    this.addSql(`drop function portico_access_rows_changed();`);
    this.addSql(`alter table tenants drop column access_version;`);
  }
}
