import type { EntityManager } from '@mikro-orm/postgresql';
import { AccessService } from './access/access.service';
import { AuthCache } from './credentials/auth-cache';
import { Authenticator } from './credentials/authenticator';
import { CredentialService } from './credentials/credential.service';
import { EventFeed } from './events/event-feed';
import { EventService } from './events/event.service';
import { GroupService } from './groups/group.service';
import { SessionService } from './sessions/session.service';
import { TeamService } from './teams/team.service';
import { TenantService } from './tenants/tenant.service';
import { SamlService } from './saml/saml.service';
import type { IdpMetadataReader } from './saml/idp-metadata';
import { SecretBox } from './shared/secret-box';
import { SignInService } from './sessions/sign-in.service';
import { UnitOfWork, type SqlClientFactory } from './shared/unit-of-work';
import { driverSql } from '../db/driver-sql';
import { UserService } from './users/user.service';
import { DEFAULT_DEPROVISIONING_POLICY, type DeprovisioningPolicy } from './users/deprovisioning-policy';
import { DirectoryProviderService, type DirectoryProviderOptions } from './directory-provider/directory-provider.service';
import type { DirectoryGraph } from './directory-provider/graph-port';
import { PhotoService } from './photos/photo.service';
import { ScimRequestCounter } from './scim-traffic/scim-request-counter';

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
  signIn: SignInService;
  saml: SamlService;
  events: EventService;
  photos: PhotoService;
  directoryProvider: DirectoryProviderService;
  /** How many SCIM requests each tenant received per hour: counted in memory, flushed to the database. */
  scimRequests: ScimRequestCounter;
  /** The live provisioning log of this process (woken by the database's LISTEN connection). */
  feed: EventFeed;
}

export interface DomainOptions {
  /** How repositories run their statements on a connection of `em` (default: node-postgres on the ORM's pool). */
  sqlClientOf?: SqlClientFactory;
  /** SHA-256 of PORTICO_OPERATOR_TOKEN when the environment sets it. */
  operatorTokenHash?: string;
  /** PORTICO_SECRET_KEY: seals the SAML SP private keys. */
  secretKey?: Buffer;
  /** Reads IdP metadata (the SAML transport's adapter). */
  idpMetadata?: IdpMetadataReader;
  /** Events a live subscriber may fall behind by before it is closed (default 1000). */
  maxBufferedEvents?: number;
  /** Told when the live feed cannot read the log (it retries on the next wake). */
  onFeedError?: (error: unknown) => void;
  /** Told when the live feed's floor has not moved for a minute while events wait (a transaction left open). */
  onFeedHeld?: (heldForMs: number) => void;
  /** Microsoft Graph (the directory provider's adapter). */
  graph?: DirectoryGraph;
  /** How directory syncs treat Graph, and where they report skipped users and failures. */
  directoryProvider?: DirectoryProviderOptions;
  /** Tombstone retention and burst detection for deleted and deactivated users (defaults: 30 days, 10%, 10). */
  deprovisioning?: DeprovisioningPolicy;
}

export function createDomainServices(em: EntityManager, options: DomainOptions = {}): DomainServices {
  const uow = new UnitOfWork(em, options.sqlClientOf ?? driverSql);
  const authCache = new AuthCache();
  const feed = new EventFeed(uow, { maxBuffered: options.maxBufferedEvents ?? 1000, onHeld: options.onFeedHeld }, options.onFeedError);
  const secretBox = options.secretKey && new SecretBox(options.secretKey);
  const photos = new PhotoService(uow);
  return {
    uow,
    access: new AccessService(uow),
    authenticator: new Authenticator(uow, options.operatorTokenHash, authCache),
    tenants: new TenantService(uow),
    users: new UserService(uow, options.deprovisioning ?? DEFAULT_DEPROVISIONING_POLICY),
    groups: new GroupService(uow),
    teams: new TeamService(uow),
    credentials: new CredentialService(uow, authCache),
    sessions: new SessionService(uow),
    signIn: new SignInService(uow),
    saml: new SamlService(uow, secretBox, options.idpMetadata),
    events: new EventService(uow, feed),
    photos,
    directoryProvider: new DirectoryProviderService(uow, photos, options.graph, secretBox, options.directoryProvider),
    scimRequests: new ScimRequestCounter(uow),
    feed,
  };
}
