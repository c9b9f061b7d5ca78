import { Migration } from '@mikro-orm/migrations';

/**
 * A tenant's live users counted as they come and go, so that a SCIM page says its total without counting.
 *
 * `count(*)` of a tenant's live users read every one of them: 5.6 ms of PostgreSQL per page of 100 at 10,000
 * users loaded by Entra (its index holds no `deleted_at`, and rows not yet vacuumed are checked in the heap), more
 * than the page itself; and it grows with the tenant. Each row of `live_user_counts` is a change: `live`, how many
 * users it added to the tenant's live ones (negative for those it removed); `changes`, how many entered or left.
 * - Rows are only ever inserted by the triggers below, never updated: two writers never wait for each other over
 *   a counter. A reader sums the tenant's rows; the repository folds them into one from time to time.
 * - `sum(changes)` only grows, and it grows with every committed change of the tenant's live users, so two reads
 *   that see the same sum see the same live users: the page repository keys what it remembers of a tenant's
 *   order (where each hundredth user starts) on it.
 * What makes a user live or not: created live (INSERT), buried and revived (UPDATE of `deleted_at`), deleted for
 * good (DELETE, also cascaded from `tenants`). The rows of a deleted tenant go with it.
 */
export class Migration20261201900000_live_user_counts extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table live_user_counts (
        id bigint generated always as identity primary key,
        tenant_id uuid not null,
        live bigint not null,
        changes bigint not null check (changes >= 0)
      );`);
    this.addSql(`create index live_user_counts_tenant on live_user_counts (tenant_id) include (live, changes);`);
    this.addSql(`
      insert into live_user_counts (tenant_id, live, changes)
      select tenant_id, count(*), count(*) from users where deleted_at is null group by tenant_id;`);

    // Row triggers with a WHEN condition: an UPDATE that does not bury or revive (a PATCH) calls no function.
    this.addSql(`
      create function live_user_counts_created() returns trigger language plpgsql as $$
      begin
        insert into live_user_counts (tenant_id, live, changes) values (new.tenant_id, 1, 1);
        return null;
      end $$;`);
    this.addSql(`
      create trigger users_count_created after insert on users
        for each row when (new.deleted_at is null) execute function live_user_counts_created();`);
    this.addSql(`
      create function live_user_counts_buried_or_revived() returns trigger language plpgsql as $$
      begin
        insert into live_user_counts (tenant_id, live, changes)
        values (new.tenant_id, case when new.deleted_at is null then 1 else -1 end, 1);
        return null;
      end $$;`);
    this.addSql(`
      create trigger users_count_buried_or_revived after update of deleted_at on users
        for each row when ((old.deleted_at is null) <> (new.deleted_at is null))
        execute function live_user_counts_buried_or_revived();`);
    // A statement deleting users (a tenant's thousands, by cascade) adds one row per tenant, none for a tenant that
    // is itself being deleted (its rows go below).
    this.addSql(`
      create function live_user_counts_deleted() returns trigger language plpgsql as $$
      begin
        insert into live_user_counts (tenant_id, live, changes)
        select d.tenant_id, -count(*), count(*) from deleted_users d
         where d.deleted_at is null and exists (select 1 from tenants t where t.id = d.tenant_id)
         group by d.tenant_id;
        return null;
      end $$;`);
    this.addSql(`
      create trigger users_count_deleted after delete on users
        referencing old table as deleted_users
        for each statement execute function live_user_counts_deleted();`);
    this.addSql(`
      create function live_user_counts_of_deleted_tenants() returns trigger language plpgsql as $$
      begin
        delete from live_user_counts c using deleted_tenants t where c.tenant_id = t.id;
        return null;
      end $$;`);
    this.addSql(`
      create trigger tenants_delete_live_user_counts after delete on tenants
        referencing old table as deleted_tenants
        for each statement execute function live_user_counts_of_deleted_tenants();`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop trigger tenants_delete_live_user_counts on tenants;`);
    this.addSql(`drop function live_user_counts_of_deleted_tenants();`);
    this.addSql(`drop trigger users_count_deleted on users;`);
    this.addSql(`drop function live_user_counts_deleted();`);
    this.addSql(`drop trigger users_count_buried_or_revived on users;`);
    this.addSql(`drop function live_user_counts_buried_or_revived();`);
    this.addSql(`drop trigger users_count_created on users;`);
    this.addSql(`drop function live_user_counts_created();`);
    this.addSql(`drop table live_user_counts;`);
  }
}
