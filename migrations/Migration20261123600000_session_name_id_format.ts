import { Migration } from '@mikro-orm/migrations';

/** A single-logout request must name the user in the NameID format the IdP used at sign-in. */
export class Migration20261123600000_session_name_id_format extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table sessions add column saml_name_id_format text null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table sessions drop column saml_name_id_format;`);
  }
}
