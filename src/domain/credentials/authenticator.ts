import type { EntityManager } from '@mikro-orm/postgresql';
import { accessOfUsers } from '../access/access-query';
import { Session } from '../sessions/session.entity';
import type { Actor } from '../shared/scope';
import { hashToken, issueToken, sameHash, tokenKindOf } from '../shared/secret-token';
import { User } from '../users/user.entity';
import type { UnitOfWork } from '../shared/unit-of-work';
import { AuthCache } from './auth-cache';
import { Credential } from './credential.entity';

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
      const rows = await em.execute<{ id: string; tenant_id: string; last_used_at: Date | null }[]>(
        `select c.id, c.tenant_id, c.last_used_at from credentials c join tenants t on t.id = c.tenant_id
         where c.token_hash = ? and c.kind = 'SCIM' and t.slug = ? and t.scim_enabled
           and (c.revoked_at is null or c.revoked_at > ?)`,
        [hash, slug, now],
      );
      const row = rows[0];
      if (!row) return null;
      if (!row.last_used_at || now.getTime() - new Date(row.last_used_at).getTime() >= LAST_USED_RESOLUTION_MS) {
        await em.nativeUpdate(Credential, { id: row.id }, { lastUsedAt: now });
      }
      const actor: Actor = { kind: 'SCIM_CLIENT', id: row.id, label: 'SCIM client', tenantId: row.tenant_id, level: 'ADMINISTRATOR' };
      return { actor, tenantId: row.tenant_id };
    });
    if (found) this.authCache.set(cacheKey, found);
    return found;
  }

  /**
   * Makes sure an operator token exists. With none configured and none stored, generates one, stores its
   * hash and returns it (to be printed once); otherwise returns null.
   */
  async ensureOperatorToken(): Promise<string | null> {
    if (this.operatorTokenHash) return null;
    return this.uow.write(async (em) => {
      // One process wins when several start at once on an empty database.
      await em.execute(`select pg_advisory_xact_lock(hashtext('portico.operator-token'))`);
      if ((await em.count(Credential, { kind: 'OPERATOR', revokedAt: null })) > 0) return null;
      return storeOperatorToken(em);
    });
  }

  /** Replaces the stored operator token (the CLI's `operator token`); returns the new one, shown once. */
  async rotateOperatorToken(): Promise<string> {
    return this.uow.write(async (em) => {
      await em.nativeUpdate(Credential, { kind: 'OPERATOR', revokedAt: null }, { revokedAt: new Date() });
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

  private async credentialActor(hash: string, kind: Credential['kind'], tenantId?: string): Promise<Actor | null> {
    return this.uow.read(async (em) => {
      const now = new Date();
      const credential = await em.findOne(Credential, {
        tokenHash: hash,
        kind,
        ...(tenantId !== undefined && { tenantId }),
        $or: [{ revokedAt: null }, { revokedAt: { $gt: now } }],
      });
      if (!credential) return null;
      await touch(em, credential, now);
      return {
        kind: kind === 'SCIM' ? 'SCIM_CLIENT' : kind,
        id: credential.id,
        label: kind === 'API_KEY' ? `API key "${credential.name}"` : kind === 'SCIM' ? 'SCIM client' : 'operator',
        tenantId: credential.tenantId,
        level: credential.level,
      } satisfies Actor;
    });
  }

  private async sessionActor(hash: string): Promise<Actor | null> {
    return this.uow.read(async (em) => {
      const now = new Date();
      const session = await em.findOne(Session, { tokenHash: hash, revokedAt: null, expiresAt: { $gt: now } });
      if (!session) return null;
      const user = await em.findOne(User, { id: session.userId, tenantId: session.tenantId, active: true });
      if (!user) return null;
      // What a signed-in user may do is their effective global level, as the mappings say right now.
      const access = (await accessOfUsers(em, user.tenantId, [user.id])).get(user.id);
      return {
        kind: 'USER',
        id: user.id,
        label: user.userName,
        tenantId: user.tenantId,
        level: access?.globalLevel ?? 'NONE',
        sessionId: session.id,
      } satisfies Actor;
    });
  }
}

async function storeOperatorToken(em: EntityManager): Promise<string> {
  const issued = issueToken('operator');
  em.create(Credential, {
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
 * Records when a credential was last used: bookkeeping, not a change of the directory, so it is a single
 * autocommitted UPDATE without a provisioning event (and at most one a minute per credential).
 */
async function touch(em: EntityManager, credential: Credential, now: Date): Promise<void> {
  if (credential.lastUsedAt && now.getTime() - credential.lastUsedAt.getTime() < LAST_USED_RESOLUTION_MS) return;
  await em.nativeUpdate(Credential, { id: credential.id }, { lastUsedAt: now });
}
