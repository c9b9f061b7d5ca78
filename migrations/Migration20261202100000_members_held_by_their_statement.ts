import { Migration } from '@mikro-orm/migrations';

/** Refuses a statement's new memberships unless their groups exist in their tenants, held with KEY SHARE. */
const GROUPS_CHECK = `exists (
          select 1 from (select distinct tenant_id, group_id from added_memberships) a
           where not exists (select 1 from idp_groups g where g.tenant_id = a.tenant_id and g.id = a.group_id for key share of g))`;

/** Looks up and holds with KEY SHARE the users of a statement's new memberships, each in its tenant: `held` of them. */
const USERS_HELD = `select count(*) into held from (
            select 1 from added_memberships a
              join users u on u.tenant_id = a.tenant_id and u.id = a.user_id
             for key share of u) users_held;`;

const REFUSAL = `raise exception 'insert on table "group_memberships" violates foreign key "group_memberships_parents"'
          using detail = 'A membership''s group and user must exist in its tenant.', errcode = 'foreign_key_violation',
                table = 'group_memberships', constraint = 'group_memberships_parents';`;

/**
 * The trigger that stands for the memberships' keys (migration 20261201700000) looked up and held every new
 * member again after a SCIM member add had just found, counted and held the same users itself (live, in the group's
 * tenant, `FOR KEY SHARE`) and inserted only those: a second lookup of each of 100 users, a seventh of PostgreSQL's
 * time for the batch (`npm run bench`, member batches, five runs each way back to back: 2.37–2.80 ms of PostgreSQL per
 * batch before, 1.97–2.63 ms after; p50 29.2–36.4 ms before, 25.8–33.6 ms after). That statement now
 * says so, for itself alone: it sets `portico.members_held` to its own `statement_timestamp()` (local to its
 * transaction), which no later statement shares. Every other insert into `group_memberships` (raw SQL, the ORM's
 * paths, a statement that names another moment) has its users looked up and held here as before.
 */
export class Migration20261202100000_members_held_by_their_statement extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create or replace function group_memberships_hold_parents() returns trigger language plpgsql as $$
      declare
        added int;
        held int;
      begin
        select count(*) into added from added_memberships;
        if current_setting('portico.members_held', true) is not distinct from statement_timestamp()::text then
          held := added;
        else
          ${USERS_HELD}
        end if;
        -- Each group looked up and held once, not once per member (a batch adds 100 members to one group).
        if held < added or ${GROUPS_CHECK} then
          ${REFUSAL}
        end if;
        return null;
      end $$;`);
  }

  override async down(): Promise<void> {
    this.addSql(`
      create or replace function group_memberships_hold_parents() returns trigger language plpgsql as $$
      declare
        held int;
      begin
        ${USERS_HELD}
        -- Each group looked up and held once, not once per member (a batch adds 100 members to one group).
        if held < (select count(*) from added_memberships) or ${GROUPS_CHECK} then
          ${REFUSAL}
        end if;
        return null;
      end $$;`);
  }
}
