import type { EntityManager } from '@mikro-orm/postgresql';
import { AccessService } from './access/access.service';
import { AuthCache } from './credentials/auth-cache';
import { Authenticator } from './credentials/authenticator';
import { CredentialService } from './credentials/credential.service';
import { EventService } from './events/event.service';
import { GroupService } from './groups/group.service';
import { SessionService } from './sessions/session.service';
import { TeamService } from './teams/team.service';
import { TenantService } from './tenants/tenant.service';
import { UnitOfWork } from './shared/unit-of-work';
import { UserService } from './users/user.service';

/** The whole domain layer, as every transport sees it. */
export interface DomainServices {
  uow: UnitOfWork;
  access: AccessService;
  authenticator: Authenticator;
  tenants: TenantService;
  users: UserService;
  groups: GroupService;
  teams: TeamService;
  credentials: CredentialService;
  sessions: SessionService;
  events: EventService;
}

export interface DomainOptions {
  /** SHA-256 of PORTICO_OPERATOR_TOKEN when the environment sets it. */
  operatorTokenHash?: string;
}

export function createDomainServices(em: EntityManager, options: DomainOptions = {}): DomainServices {
  const uow = new UnitOfWork(em);
  const authCache = new AuthCache();
  return {
    uow,
    access: new AccessService(uow),
    authenticator: new Authenticator(uow, options.operatorTokenHash, authCache),
    tenants: new TenantService(uow),
    users: new UserService(uow),
    groups: new GroupService(uow),
    teams: new TeamService(uow),
    credentials: new CredentialService(uow, authCache),
    sessions: new SessionService(uow),
    events: new EventService(uow),
  };
}
