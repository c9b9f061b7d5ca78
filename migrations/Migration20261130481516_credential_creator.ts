import { Migration } from '@mikro-orm/migrations';

/**
 * Who minted each API key and SCIM token. `created_by_user_id` is the signed-in user whose authority the
 * credential rests on; it is deliberately not a foreign key: deleting that user must leave the id behind so the
 * credential is refused, never turn it into an operator-made (unbounded) one.
 *
 * Credentials made before this migration get their creator from their creation event where the log still has
 * it, following keys minted by keys back to the user at the start of the chain.
 */
export class Migration20261130481516_credential_creator extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table credentials add column created_by_user_id uuid null, add column created_by_label text null;`);
    this.addSql(`create index credentials_created_by_user on credentials (created_by_user_id) where created_by_user_id is not null;`);
    this.addSql(`
      with recursive minted as (
        select c.id, e.actor_kind, e.actor_id, e.actor_label
          from credentials c
          join provisioning_events e
            on e.tenant_id = c.tenant_id and e.subject_id = c.id::text
           and e.type in ('API_KEY_CREATED', 'SCIM_TOKEN_CREATED') and e.outcome = 'SUCCESS'
      ),
      chain (id, actor_kind, actor_id, depth) as (
        select id, actor_kind, actor_id, 0 from minted
        union all
        select chain.id, parent.actor_kind, parent.actor_id, chain.depth + 1
          from chain join minted parent on chain.actor_kind = 'API_KEY' and parent.id::text = chain.actor_id
         where chain.depth < 32
      )
      update credentials c
         set created_by_label = minted.actor_label,
             created_by_user_id = (select chain.actor_id::uuid from chain
                                    where chain.id = c.id and chain.actor_kind = 'USER' limit 1)
        from minted
       where minted.id = c.id;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table credentials drop column created_by_user_id, drop column created_by_label;`);
  }
}
