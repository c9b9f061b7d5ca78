import { Migration } from '@mikro-orm/migrations';

/**
 * The users list (GraphQL `users`, the console's *Users* screen) stays fast at 100,000 users of a tenant
 * (`npm run bench -- users-list`).
 *
 * - `users.search_text`: what `filter.search` matches, lowercased once at write time: `lower()` of userName,
 *   displayName, `concat_ws(' ', givenName, familyName)` (written without concat_ws, which is not immutable) and the
 *   emails' JSON text, each lowercased alone and joined by newlines. ILIKE in a UTF-8 database is `lower(text)
 *   LIKE lower(pattern)`, so `search_text LIKE lower('%x%')` is exactly "one of the four ILIKE '%x%'" whenever x
 *   holds no newline (no match can span two parts); UserService.list keeps the four ILIKEs for a search with one.
 *   A part found whole inside another one is left out (whatever it contains, the other contains too): Entra's
 *   userName is usually the e-mail, its displayName the given and family name. The text is a third shorter and
 *   a substring count over a tenant's users that much cheaper.
 *   The expression is repeated in user.service.ts (`SEARCHED_ATTRIBUTES`): change both together.
 * - `users_search_trgm`: a pg_trgm GIN index on it, for searches that match few users. Created only where the
 *   pg_trgm extension can be installed (it ships with PostgreSQL and the embedded build; a managed server that
 *   refuses it still answers every search, from the covering index below).
 * - `users_search_cover`: the list's order with what its filters read (userName itself too: PostgreSQL reads an
 *   index alone only when every column the query names is in it, an expression over a column is not enough), so
 *   that the page's ids and its count are found without reading one table row, however many users are skipped.
 * - `users_tenant_deactivated`: counts the deactivated users of a tenant without reading the others.
 */
export class Migration20261201100000_users_list_search extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      alter table users add column search_text text not null generated always as (
        case when strpos(lower(emails::text), lower(user_name)) > 0 then '' else lower(user_name) || E'\\n' end
        || lower(coalesce(display_name, ''))
        || case
             when strpos(lower(coalesce(display_name, '')), lower(coalesce(given_name || ' ' || family_name, given_name, family_name, ''))) > 0 then ''
             else E'\\n' || lower(coalesce(given_name || ' ' || family_name, given_name, family_name, ''))
           end
        || E'\\n' || lower(emails::text)
      ) stored;`);
    this.addSql(`
      do $$
      declare
        trgm_schema text;
      begin
        if not exists (select 1 from pg_extension where extname = 'pg_trgm')
           and exists (select 1 from pg_available_extensions where name = 'pg_trgm') then
          begin
            create extension pg_trgm;
          exception when others then
            raise notice 'pg_trgm could not be installed (%): user search works without its index', sqlerrm;
          end;
        end if;
        select n.nspname into trgm_schema from pg_extension e join pg_namespace n on n.oid = e.extnamespace where e.extname = 'pg_trgm';
        if trgm_schema is not null then
          execute format('create index users_search_trgm on users using gin (search_text %I.gin_trgm_ops) where deleted_at is null', trgm_schema);
        end if;
      end $$;`);
    this.addSql(
      `create index users_search_cover on users (tenant_id, lower(user_name)) include (user_name, active, search_text, id) where deleted_at is null;`,
    );
    this.addSql(`create index users_tenant_deactivated on users (tenant_id) where deleted_at is null and not active;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop index if exists users_search_trgm;`);
    this.addSql(`drop index users_tenant_deactivated;`);
    this.addSql(`drop index users_search_cover;`);
    this.addSql(`alter table users drop column search_text;`);
  }
}
