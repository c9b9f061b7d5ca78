import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261123000000_initial } from './Migration20261123000000_initial';
import { Migration20261123100000_saml } from './Migration20261123100000_saml';
import { Migration20261123200000_event_feed } from './Migration20261123200000_event_feed';
import { Migration20261123300000_saml_browser_binding } from './Migration20261123300000_saml_browser_binding';
import { Migration20261123400000_saml_upkeep } from './Migration20261123400000_saml_upkeep';
import { Migration20261123500000_event_upkeep } from './Migration20261123500000_event_upkeep';
import { Migration20261123600000_session_name_id_format } from './Migration20261123600000_session_name_id_format';
import { Migration20261130154500_saml_logout_replay } from './Migration20261130154500_saml_logout_replay';
import { Migration20261130417311_user_tombstones } from './Migration20261130417311_user_tombstones';
import { Migration20261130481516_credential_creator } from './Migration20261130481516_credential_creator';
import { Migration20261130550000_directory_provider } from './Migration20261130550000_directory_provider';
import { Migration20261201100000_scim_request_counts } from './Migration20261201100000_scim_request_counts';
import { Migration20261201100000_users_list_search } from './Migration20261201100000_users_list_search';
import { Migration20261201200000_deprovisioning_window } from './Migration20261201200000_deprovisioning_window';
import { Migration20261201300000_live_users_by_creation } from './Migration20261201300000_live_users_by_creation';
import { Migration20261201400000_redundant_tenant_keys } from './Migration20261201400000_redundant_tenant_keys';
import { Migration20261201600000_access_version } from './Migration20261201600000_access_version';
import { Migration20261201700000_membership_keys_per_statement } from './Migration20261201700000_membership_keys_per_statement';
import { Migration20261201800000_user_name_key } from './Migration20261201800000_user_name_key';
import { Migration20261201900000_live_user_counts } from './Migration20261201900000_live_user_counts';
import { Migration20261202100000_members_held_by_their_statement } from './Migration20261202100000_members_held_by_their_statement';

/**
 * Every migration, in order. Listed explicitly (not globbed) so the same list works from TypeScript
 * sources under test and from the compiled build. Add each new migration here.
 */
export const migrationsList: MigrationObject[] = [
  { name: 'Migration20261123000000_initial', class: Migration20261123000000_initial },
  { name: 'Migration20261123100000_saml', class: Migration20261123100000_saml },
  { name: 'Migration20261123200000_event_feed', class: Migration20261123200000_event_feed },
  { name: 'Migration20261123300000_saml_browser_binding', class: Migration20261123300000_saml_browser_binding },
  { name: 'Migration20261123400000_saml_upkeep', class: Migration20261123400000_saml_upkeep },
  { name: 'Migration20261123500000_event_upkeep', class: Migration20261123500000_event_upkeep },
  { name: 'Migration20261123600000_session_name_id_format', class: Migration20261123600000_session_name_id_format },
  { name: 'Migration20261130154500_saml_logout_replay', class: Migration20261130154500_saml_logout_replay },
  { name: 'Migration20261130417311_user_tombstones', class: Migration20261130417311_user_tombstones },
  { name: 'Migration20261130481516_credential_creator', class: Migration20261130481516_credential_creator },
  { name: 'Migration20261130550000_directory_provider', class: Migration20261130550000_directory_provider },
  { name: 'Migration20261201100000_scim_request_counts', class: Migration20261201100000_scim_request_counts },
  { name: 'Migration20261201100000_users_list_search', class: Migration20261201100000_users_list_search },
  { name: 'Migration20261201200000_deprovisioning_window', class: Migration20261201200000_deprovisioning_window },
  { name: 'Migration20261201300000_live_users_by_creation', class: Migration20261201300000_live_users_by_creation },
  { name: 'Migration20261201400000_redundant_tenant_keys', class: Migration20261201400000_redundant_tenant_keys },
  { name: 'Migration20261201600000_access_version', class: Migration20261201600000_access_version },
  { name: 'Migration20261201700000_membership_keys_per_statement', class: Migration20261201700000_membership_keys_per_statement },
  { name: 'Migration20261201800000_user_name_key', class: Migration20261201800000_user_name_key },
  { name: 'Migration20261201900000_live_user_counts', class: Migration20261201900000_live_user_counts },
  { name: 'Migration20261202100000_members_held_by_their_statement', class: Migration20261202100000_members_held_by_their_statement },
];
