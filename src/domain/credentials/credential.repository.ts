import type { EntityManager } from '@mikro-orm/postgresql';
import type { PermissionLevel } from '../shared/permission-level';
import { queryPrepared } from '../../db/prepared-query';
import { User } from '../users/user.entity';
import { Credential, type CredentialKind } from './credential.entity';

/** A live credential as verified, with the activity of the user it rests on (null: no such user any more). */
export interface LiveCredentialRow {
  id: string;
  tenant_id: string | null;
  name: string;
  level: PermissionLevel;
  last_used_at: Date | null;
  created_by_user_id: string | null;
  creator_active: boolean | null;
}

/** A tenant's SCIM token found by its hash whatever its state, with what decides whether it is refused. */
export interface ScimCredentialState extends LiveCredentialRow {
  scim_enabled: boolean;
  revoked_at: Date | null;
  created_by_label: string | null;
}

/** The live session a session token stands for, with its active user. */
export interface SessionBearer {
  sessionId: string;
  userId: string;
  tenantId: string;
  userName: string;
}

/** What a new credential is made of; the id, creation time and defaults come from the entity. */
export type NewCredential = Pick<Credential, 'tenantId' | 'kind' | 'name' | 'level' | 'tokenHash' | 'displayPrefix'> &
  Partial<Pick<Credential, 'createdAt' | 'createdByUserId' | 'createdByLabel'>>;

const LIVE_CREDENTIAL_COLUMNS = 'c.id, c.tenant_id, c.name, c.level, c.last_used_at, c.created_by_user_id, creator.active as creator_active';
/** The creator must be a user of the credential's own tenant; a deleted one joins to nothing. */
const CREATOR_JOIN = 'left join users creator on creator.id = c.created_by_user_id and creator.tenant_id = c.tenant_id and creator.deleted_at is null';

// The bearer lookups run on every request a cached verification does not answer: prepared, planned once.
const LIVE_CREDENTIAL = {
  name: 'portico_live_credential',
  text: `select ${LIVE_CREDENTIAL_COLUMNS} from credentials c ${CREATOR_JOIN}
          where c.token_hash = $1 and c.kind = $2 and (c.revoked_at is null or c.revoked_at > $3)`,
};
const LIVE_CREDENTIAL_OF_TENANT = {
  name: 'portico_live_credential_of_tenant',
  text: `${LIVE_CREDENTIAL.text} and c.tenant_id = $4`,
};
const LIVE_SCIM_CREDENTIAL_AT = {
  name: 'portico_live_scim_credential_at',
  text: `select ${LIVE_CREDENTIAL_COLUMNS} from credentials c join tenants t on t.id = c.tenant_id ${CREATOR_JOIN}
          where c.token_hash = $1 and c.kind = 'SCIM' and t.slug = $2 and t.scim_enabled
            and (c.revoked_at is null or c.revoked_at > $3)`,
};
const SCIM_CREDENTIAL_AT = {
  name: 'portico_scim_credential_at',
  text: `select ${LIVE_CREDENTIAL_COLUMNS}, t.scim_enabled, c.revoked_at, c.created_by_label
           from credentials c join tenants t on t.id = c.tenant_id ${CREATOR_JOIN}
          where c.token_hash = $1 and c.kind = 'SCIM' and t.slug = $2`,
};
const SESSION_BEARER = {
  name: 'portico_session_bearer',
  text: `select s.id as session_id, u.id as user_id, u.tenant_id, u.user_name
           from sessions s join users u on u.id = s.user_id and u.tenant_id = s.tenant_id
          where s.token_hash = $1 and s.revoked_at is null and s.expires_at > $2 and u.active`,
};
const TOUCH = { name: 'portico_credential_touch', text: 'update credentials set last_used_at = $2 where id = $1' };
const LIVE_OPERATOR_TOKEN_EXISTS = {
  name: 'portico_live_operator_token_exists',
  text: `select exists (select 1 from credentials where kind = 'OPERATOR' and revoked_at is null) as found`,
};
const REVOKE_OPERATOR_TOKENS = {
  name: 'portico_revoke_operator_tokens',
  text: `update credentials set revoked_at = $1 where kind = 'OPERATOR' and revoked_at is null`,
};
const API_KEY_CREATOR = {
  name: 'portico_api_key_creator',
  text: `select created_by_user_id from credentials where id = $1 and tenant_id = $2 and kind = 'API_KEY'`,
};
// Advisory locks, not row locks: locking the tenant row would deadlock against writes whose events reference it.
const LOCK_SCIM_TOKENS = { name: 'portico_lock_scim_tokens', text: `select pg_advisory_xact_lock(hashtext('portico.scim-token'), hashtext($1))` };
const LOCK_OPERATOR_TOKEN = { name: 'portico_lock_operator_token', text: `select pg_advisory_xact_lock(hashtext('portico.operator-token'))` };

/**
 * All SQL of credentials (API keys, SCIM tokens, the operator token) and of the bearer lookups that verify
 * tokens, sessions' included. Entities the services change are loaded through the ORM (their changes flush
 * with the unit of work); the lookups on the request path and the set-based writes are prepared statements
 * with their values sent apart from the text.
 */
export const credentialRepository = {
  /** A new credential, inserted when the write's unit of work flushes. */
  add(em: EntityManager, credential: NewCredential): Credential {
    return em.create(Credential, credential);
  },

  /** The live credential of this kind whose token hashes to `hash` (of `tenantId` only, when given). */
  async live(em: EntityManager, hash: string, kind: CredentialKind, now: Date, tenantId?: string): Promise<LiveCredentialRow | undefined> {
    const rows = tenantId === undefined
      ? await queryPrepared<LiveCredentialRow>(em, LIVE_CREDENTIAL, [hash, kind, now])
      : await queryPrepared<LiveCredentialRow>(em, LIVE_CREDENTIAL_OF_TENANT, [hash, kind, now, tenantId]);
    return rows[0];
  },

  /** The live SCIM token hashing to `hash` of the tenant with this slug, provided the tenant has SCIM enabled. */
  async liveScimAt(em: EntityManager, slug: string, hash: string, now: Date): Promise<LiveCredentialRow | undefined> {
    return (await queryPrepared<LiveCredentialRow>(em, LIVE_SCIM_CREDENTIAL_AT, [hash, slug, now]))[0];
  },

  /** The SCIM token hashing to `hash` of the tenant with this slug, live or not, with the tenant's SCIM setting. */
  async scimAt(em: EntityManager, slug: string, hash: string): Promise<ScimCredentialState | undefined> {
    return (await queryPrepared<ScimCredentialState>(em, SCIM_CREDENTIAL_AT, [hash, slug]))[0];
  },

  /** The unrevoked, unexpired session whose token hashes to `hash`, if its user is active. */
  async sessionBearer(em: EntityManager, hash: string, now: Date): Promise<SessionBearer | null> {
    const [row] = await queryPrepared<{ session_id: string; user_id: string; tenant_id: string; user_name: string }>(em, SESSION_BEARER, [hash, now]);
    return row ? { sessionId: row.session_id, userId: row.user_id, tenantId: row.tenant_id, userName: row.user_name } : null;
  },

  /** Records when a credential was last used (a single statement, autocommitted outside a write). */
  async touch(em: EntityManager, id: string, now: Date): Promise<void> {
    await queryPrepared(em, TOUCH, [id, now]);
  },

  /** The newest API keys of a tenant, up to `limit`. */
  apiKeys(em: EntityManager, tenantId: string, limit: number): Promise<Credential[]> {
    return em.find(Credential, { tenantId, kind: 'API_KEY' }, { orderBy: { createdAt: 'desc' }, limit });
  },

  /** One API key of a tenant by id (a validated UUID), or null. */
  apiKey(em: EntityManager, tenantId: string, id: string): Promise<Credential | null> {
    return em.findOne(Credential, { id, tenantId, kind: 'API_KEY' });
  },

  /** The tenant's newest SCIM token that was never revoked (one still in its grace period is not current). */
  currentScimToken(em: EntityManager, tenantId: string): Promise<Credential | null> {
    return em.findOne(Credential, { tenantId, kind: 'SCIM', revokedAt: null }, { orderBy: { createdAt: 'desc' } });
  },

  /** Every SCIM token the tenant ever had, revoked ones included. */
  scimTokens(em: EntityManager, tenantId: string): Promise<Credential[]> {
    return em.find(Credential, { tenantId, kind: 'SCIM' });
  },

  /** Serialises the rotations of one tenant's SCIM token until the write commits. */
  async lockScimTokens(em: EntityManager, tenantId: string): Promise<void> {
    await queryPrepared(em, LOCK_SCIM_TOKENS, [tenantId]);
  },

  /** Serialises the processes that make sure an operator token exists until the write commits. */
  async lockOperatorToken(em: EntityManager): Promise<void> {
    await queryPrepared(em, LOCK_OPERATOR_TOKEN, []);
  },

  /** Whether an unrevoked operator token is stored. */
  async hasLiveOperatorToken(em: EntityManager): Promise<boolean> {
    const [row] = await queryPrepared<{ found: boolean }>(em, LIVE_OPERATOR_TOKEN_EXISTS, []);
    return row.found;
  },

  /** Revokes every unrevoked operator token at `now`. */
  async revokeOperatorTokens(em: EntityManager, now: Date): Promise<void> {
    await queryPrepared(em, REVOKE_OPERATOR_TOKENS, [now]);
  },

  /** Who stands behind an API key of the tenant: its creator's id (null for none), or undefined with no such key. */
  async apiKeyCreator(em: EntityManager, tenantId: string, id: string): Promise<string | null | undefined> {
    const [key] = await queryPrepared<{ created_by_user_id: string | null }>(em, API_KEY_CREATOR, [id, tenantId]);
    return key ? key.created_by_user_id : undefined;
  },

  /** The live users of a tenant among these ids (validated UUIDs): the creators credentials name. */
  liveUsers(em: EntityManager, tenantId: string, ids: string[]): Promise<User[]> {
    return em.find(User, { tenantId, id: { $in: ids }, deletedAt: null });
  },
};
