import { MappingTeamGrant, PermissionMapping } from '../domain/access/permission-mapping.entity';
import { Credential } from '../domain/credentials/credential.entity';
import { ProvisioningEvent } from '../domain/events/provisioning-event.entity';
import { GroupMembership } from '../domain/groups/group-membership.entity';
import { IdpGroup } from '../domain/groups/idp-group.entity';
import { SamlConnection } from '../domain/saml/saml-connection.entity';
import { Session } from '../domain/sessions/session.entity';
import { Team } from '../domain/teams/team.entity';
import { Tenant } from '../domain/tenants/tenant.entity';
import { User } from '../domain/users/user.entity';

/** Every persisted entity, listed explicitly so discovery does not depend on the file layout. */
export const entities = [
  Tenant,
  User,
  IdpGroup,
  GroupMembership,
  Team,
  PermissionMapping,
  MappingTeamGrant,
  Credential,
  Session,
  SamlConnection,
  ProvisioningEvent,
];
