import type { EntityManager } from '@mikro-orm/postgresql';
import { accessOfUsers } from '../access/access-query';
import { lowest } from '../shared/permission-level';
import type { Actor } from '../shared/scope';
import { hashToken, issueToken, sameHash, tokenKindOf } from '../shared/secret-token';
import type { UnitOfWork } from '../shared/unit-of-work';
import { AuthCache } from './auth-cache';
import type { CredentialKind } from './credential.entity';
import { credentialRepository, type LiveCredentialRow } from './credential.repository';

/** How stale `lastUsedAt` may get before a request refreshes it (one write per minute, not per request). */
const LAST_USED_RESOLUTION_MS = 60_000;

const OPERATOR_ACTOR: Actor = { kind: 'OPERATOR', id: null, label: 'operator', tenantId: null, level: 'ADMINISTRATOR' };

/**
 * Turns a bearer token into the actor it stands for, or null. Every lookup is by SHA-256, so the raw
 * token never reaches the database.
 */
export class Authenticator {
  /** @param operatorTokenHash hash of PORTICO_OPERATOR_TOKEN when the environment sets one. */
  constructor(
    private readonly uow: UnitOfWork,
    private readonly operatorTokenHash: string | undefined,
    private readonly authCache: AuthCache = new AuthCache(),
  ) {}

  /** An operator, API-key or session actor for GraphQL; SCIM tokens are not accepted here. */
  async authenticate(token: string): Promise<Actor | null> {
    const kind = tokenKindOf(token);
    const hash = hashToken(token);
    // A configured operator token may have any shape; compare it before looking at prefixes.
    if (this.operatorTokenHash && sameHash(hash, this.operatorTokenHash)) return OPERATOR_ACTOR;
    if (kind === 'operator') return this.operator(hash);
    if (kind === 'apiKey') return this.cachedCredentialActor(hash, 'API_KEY');
    if (kind === 'session') return this.sessionActor(hash);
    return null;
  }

  /** The SCIM client of the tenant with id `tenantId`, if `token` is that tenant's live SCIM token. */
  async authenticateScim(tenantId: string, token: string): Promise<Actor | null> {
    if (tokenKindOf(token) !== 'scim') return null;
    return this.credentialActor(hashToken(token), 'SCIM', tenantId);
  }

  /**
   * The SCIM client calling `/api/{slug}/scim/v2`: the tenant exists, has SCIM enabled, and `token` is its
   * live SCIM token. One query; every failure looks the same (null), so a wrong tenant is a bad token.
   */
  async authenticateScimAt(slug: string, token: string): Promise<{ actor: Actor; tenantId: string } | null> {
    if (tokenKindOf(token) !== 'scim') return null;
    const hash = hashToken(token);
    const cacheKey = `scim\n${slug}\n${hash}`;
    const cached = this.authCache.get(cacheKey);
    if (cached?.tenantId) return { actor: cached.actor, tenantId: cached.tenantId };
    const found = await this.uow.read(async (em) => {
      const now = new Date();
      const actor = await actorOf(em, await credentialRepository.liveScimAt(em, slug, hash, now), 'SCIM', now);
      return actor && actor.tenantId ? { actor, tenantId: actor.tenantId } : null;
    });
    if (found) this.authCache.set(cacheKey, found);
    return found;
  }

  /**
   * Why `token` is refused at `/api/{slug}/scim/v2`, in words the tenant's administrators can act on (for their
   * provisioning log, never for the caller, who only learns that it failed). Entra quarantines an endpoint
   * that keeps refusing it, so the log must say what to fix.
   */
  async whyScimTokenRefused(slug: string, token: string): Promise<string> {
    if (tokenKindOf(token) !== 'scim') return 'The bearer token is not a SCIM token';
    return this.uow.read(async (em) => {
      const row = await credentialRepository.scimAt(em, slug, hashToken(token));
      if (!row) return 'The token is unknown here: not a token of this tenant';
      if (!row.scim_enabled) return 'SCIM is disabled for this tenant';
      if (row.revoked_at && new Date(row.revoked_at) <= new Date()) return 'The token was revoked (a newer one replaced it, or an administrator revoked it)';
      const maker = row.created_by_label ?? 'its creator';
      if (row.created_by_user_id !== null && row.creator_active !== true) {
        return `The token was made by ${maker}, who is no longer an active user: an administrator must generate a new SCIM token and give it to Entra`;
      }
      return `The token was made by ${maker}, who is no longer an ADMINISTRATOR: an administrator must generate a new SCIM token and give it to Entra`;
    });
  }

  /**
   * Makes sure an operator token exists. With none configured and none stored, generates one, stores its
   * hash and returns it (to be printed once); otherwise returns null.
   */
  async ensureOperatorToken(): Promise<string | null> {
    if (this.operatorTokenHash) return null;
    return this.uow.write(async (em) => {
      // One process wins when several start at once on an empty database.
      await credentialRepository.lockOperatorToken(em);
      if (await credentialRepository.hasLiveOperatorToken(em)) return null;
      return storeOperatorToken(em);
    });
  }

  /** Replaces the stored operator token (the CLI's `operator token`); returns the new one, shown once. */
  async rotateOperatorToken(): Promise<string> {
    return this.uow.write(async (em) => {
      await credentialRepository.revokeOperatorTokens(em, new Date());
      return storeOperatorToken(em);
    });
  }

  private async operator(hash: string): Promise<Actor | null> {
    if (this.operatorTokenHash) return null;
    return (await this.cachedCredentialActor(hash, 'OPERATOR')) ? OPERATOR_ACTOR : null;
  }

  private async cachedCredentialActor(hash: string, kind: 'OPERATOR' | 'API_KEY'): Promise<Actor | null> {
    const cacheKey = `graphql\n${kind}\n${hash}`;
    const cached = this.authCache.get(cacheKey);
    if (cached) return cached.actor;
    const actor = await this.credentialActor(hash, kind);
    if (actor) this.authCache.set(cacheKey, { actor, tenantId: actor.tenantId });
    return actor;
  }

  private async credentialActor(hash: string, kind: CredentialKind, tenantId?: string): Promise<Actor | null> {
    return this.uow.read(async (em) => {
      const now = new Date();
      return actorOf(em, await credentialRepository.live(em, hash, kind, now, tenantId), kind, now);
    });
  }

  private async sessionActor(hash: string): Promise<Actor | null> {
    return this.uow.read(async (em) => {
      const bearer = await credentialRepository.sessionBearer(em, hash, new Date());
      if (!bearer) return null;
      // What a signed-in user may do is their effective global level, as the mappings say right now.
      const access = (await accessOfUsers(em, bearer.tenantId, [bearer.userId])).get(bearer.userId);
      return {
        kind: 'USER',
        id: bearer.userId,
        label: bearer.userName,
        tenantId: bearer.tenantId,
        level: access?.globalLevel ?? 'NONE',
        sessionId: bearer.sessionId,
      } satisfies Actor;
    });
  }
}

async function storeOperatorToken(em: EntityManager): Promise<string> {
  const issued = issueToken('operator');
  credentialRepository.add(em, {
    tenantId: null,
    kind: 'OPERATOR',
    name: 'operator',
    level: 'ADMINISTRATOR',
    tokenHash: issued.hash,
    displayPrefix: issued.displayPrefix,
  });
  return issued.token;
}

/**
 * The actor a verified credential stands for, or null. A credential never outlives, nor outranks, the user
 * who made it: with that user deactivated or deleted it is refused; otherwise it acts at most at their
 * effective global level right now (computed as for their own session). A SCIM token writes the whole
 * directory, so it needs its creator to still be an ADMINISTRATOR.
 */
async function actorOf(em: EntityManager, row: LiveCredentialRow | undefined, kind: CredentialKind, now: Date): Promise<Actor | null> {
  if (!row) return null;
  let level = row.level;
  if (row.created_by_user_id !== null) {
    if (row.creator_active !== true || row.tenant_id === null) return null;
    const creatorLevel = (await accessOfUsers(em, row.tenant_id, [row.created_by_user_id])).get(row.created_by_user_id)?.globalLevel ?? 'NONE';
    if (kind === 'SCIM' && creatorLevel !== 'ADMINISTRATOR') return null;
    level = lowest(level, creatorLevel);
  }
  await touch(em, row, now);
  return {
    kind: kind === 'SCIM' ? 'SCIM_CLIENT' : kind,
    id: row.id,
    label: kind === 'API_KEY' ? `API key "${row.name}"` : kind === 'SCIM' ? 'SCIM client' : 'operator',
    tenantId: row.tenant_id,
    level,
  } satisfies Actor;
}

/**
 * Records when a credential was last used: bookkeeping, not a change of the directory, so it is a single
 * autocommitted UPDATE without a provisioning event (and at most one a minute per credential).
 */
async function touch(em: EntityManager, row: LiveCredentialRow, now: Date): Promise<void> {
  if (row.last_used_at && now.getTime() - new Date(row.last_used_at).getTime() < LAST_USED_RESOLUTION_MS) return;
  await credentialRepository.touch(em, row.id, now);
}
