import { Migration } from '@mikro-orm/migrations';

/**
 * An AuthnRequest is bound to the browser that started it: the SHA-256 of a random value that browser holds
 * in a cookie. A response to it is accepted only from that browser, so an attacker cannot start a sign-in,
 * complete it as themselves and have a victim's browser post the result (login CSRF).
 */
export class Migration20261123300000_saml_browser_binding extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table saml_pending_requests add column browser_hash text null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table saml_pending_requests drop column browser_hash;`);
  }
}
