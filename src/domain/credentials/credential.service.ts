import type { EntityManager } from '@mikro-orm/postgresql';
import { z } from 'zod';
import { recordEvent } from '../events/event-recorder';
import type { Tenant } from '../tenants/tenant.entity';
import { tenantRepository } from '../tenants/tenant.repository';
import type { User } from '../users/user.entity';
import { requireLevel } from '../shared/authorize';
import { DomainError, notFound } from '../shared/domain-error';
import { PERMISSION_LEVELS, type PermissionLevel } from '../shared/permission-level';
import type { Scope } from '../shared/scope';
import { issueToken } from '../shared/secret-token';
import { isUuid } from '../shared/sql';
import type { UnitOfWork } from '../shared/unit-of-work';
import { parseInput } from '../shared/validate';
import type { AuthCache } from './auth-cache';
import type { Credential } from './credential.entity';
import { creatorOfNewCredential } from './credential-creator';
import { credentialRepository } from './credential.repository';

/** The newest API keys of a tenant are listed up to this many. */
export const MAX_API_KEYS_LISTED = 500;
/** The longest a rotated-out SCIM token keeps working beside its successor. */
export const MAX_SCIM_GRACE_SECONDS = 7 * 24 * 3600;

const apiKeyRule = z.object({
  name: z.string().trim().min(1, 'must not be empty').max(128, 'must be at most 128 characters'),
  level: z.enum(PERMISSION_LEVELS),
});

const graceRule = z
  .number()
  .int('must be a whole number of seconds')
  .min(0, 'must not be negative')
  .max(MAX_SCIM_GRACE_SECONDS, `must be at most ${MAX_SCIM_GRACE_SECONDS} (7 days)`);

export interface ScimSettingsView {
  enabled: boolean;
  tokenPrefix: string | null;
  tokenCreatedAt: Date | null;
  tokenLastUsedAt: Date | null;
  /** The user the current token's authority rests on (see Credential.createdByUserId). */
  tokenCreatedByUserId: string | null;
  tokenCreatedByLabel: string | null;
}

/** A token shown once, with the stored credential it belongs to. */
export interface IssuedCredential {
  token: string;
  credential: Credential;
}

const isLive = (c: Credential, now = new Date()) => c.revokedAt === null || c.revokedAt > now;

/** Tenant API keys and the SCIM token. Tokens are shown once and stored only as SHA-256. */
export class CredentialService {
  constructor(
    private readonly uow: UnitOfWork,
    /** Cleared after every change here, so this process never trusts a stale credential. */
    private readonly authCache?: AuthCache,
  ) {}

  /** A write whose commit invalidates the cached credentials. */
  private async writeCredentials<T>(work: (em: EntityManager) => Promise<T>): Promise<T> {
    try {
      return await this.uow.write(work);
    } finally {
      this.authCache?.clear();
    }
  }

  /** The scope's tenant, managed by `em`. */
  private async tenantOf(em: EntityManager, scope: Scope): Promise<Tenant> {
    const tenant = await tenantRepository.byId(em, scope.tenantId);
    if (!tenant) throw new DomainError('NOT_FOUND', 'Tenant not found');
    return tenant;
  }

  async createApiKey(scope: Scope, input: { name: string; level: PermissionLevel }): Promise<IssuedCredential> {
    requireLevel(scope, 'ADMINISTRATOR');
    const { name, level } = parseInput(apiKeyRule, input);
    // Nobody hands out more than they hold.
    requireLevel(scope, level);
    const issued = issueToken('apiKey');
    return this.writeCredentials(async (em) => {
      const credential = credentialRepository.add(em, {
        tenantId: scope.tenantId,
        kind: 'API_KEY',
        name,
        level,
        tokenHash: issued.hash,
        displayPrefix: issued.displayPrefix,
        ...(await creatorOfNewCredential(em, scope)),
      });
      await recordEvent(em, scope, {
        type: 'API_KEY_CREATED',
        subjectType: 'CREDENTIAL',
        subjectId: credential.id,
        summary: `API key "${name}" (${level}) created`,
        changes: [{ attribute: 'apiKey', old: null, new: issued.displayPrefix }],
      });
      return { token: issued.token, credential };
    });
  }

  async listApiKeys(scope: Scope): Promise<Credential[]> {
    requireLevel(scope, 'ADMINISTRATOR');
    return this.uow.read((em) => credentialRepository.apiKeys(em, scope.tenantId, MAX_API_KEYS_LISTED));
  }

  /** The creators that credentials name, by id; a deleted creator is simply absent. */
  async creatorsOf(scope: Scope, userIds: readonly string[]): Promise<Map<string, User>> {
    requireLevel(scope, 'ADMINISTRATOR');
    const ids = [...new Set(userIds.filter(isUuid))];
    if (ids.length === 0) return new Map();
    const users = await this.uow.read((em) => credentialRepository.liveUsers(em, scope.tenantId, ids));
    return new Map(users.map((u) => [u.id, u]));
  }

  async revokeApiKey(scope: Scope, id: string): Promise<Credential> {
    requireLevel(scope, 'ADMINISTRATOR');
    return this.writeCredentials(async (em) => {
      const key = isUuid(id) ? await credentialRepository.apiKey(em, scope.tenantId, id) : null;
      if (!key) throw notFound('API key');
      if (key.revokedAt === null) {
        key.revokedAt = new Date();
        await recordEvent(em, scope, {
          type: 'API_KEY_REVOKED',
          subjectType: 'CREDENTIAL',
          subjectId: key.id,
          summary: `API key "${key.name}" revoked`,
        });
      }
      return key;
    });
  }

  async scimSettings(scope: Scope): Promise<ScimSettingsView> {
    requireLevel(scope, 'ADMINISTRATOR');
    return this.uow.read(async (em) => {
      const [tenant, token] = await Promise.all([
        this.tenantOf(em, scope),
        credentialRepository.currentScimToken(em, scope.tenantId),
      ]);
      return {
        enabled: tenant.scimEnabled,
        tokenPrefix: token?.displayPrefix ?? null,
        tokenCreatedAt: token?.createdAt ?? null,
        tokenLastUsedAt: token?.lastUsedAt ?? null,
        tokenCreatedByUserId: token?.createdByUserId ?? null,
        tokenCreatedByLabel: token?.createdByLabel ?? null,
      };
    });
  }

  async setScimEnabled(scope: Scope, enabled: boolean): Promise<ScimSettingsView> {
    requireLevel(scope, 'ADMINISTRATOR');
    await this.writeCredentials(async (em) => {
      const tenant = await this.tenantOf(em, scope);
      if (tenant.scimEnabled === enabled) return;
      tenant.scimEnabled = enabled;
      await recordEvent(em, scope, {
        type: enabled ? 'SCIM_ENABLED' : 'SCIM_DISABLED',
        subjectType: 'TENANT',
        subjectId: tenant.id,
        summary: `SCIM provisioning ${enabled ? 'enabled' : 'disabled'}`,
        changes: [{ attribute: 'scimEnabled', old: !enabled, new: enabled }],
      });
    });
    return this.scimSettings(scope);
  }

  /**
   * Issues a new SCIM token and revokes the previous one, at once or after `graceSeconds` so that the
   * IdP can be switched over without downtime.
   */
  async generateScimToken(scope: Scope, graceSeconds = 0): Promise<IssuedCredential> {
    requireLevel(scope, 'ADMINISTRATOR');
    const grace = parseInput(graceRule, graceSeconds);
    const issued = issueToken('scim');
    return this.writeCredentials(async (em) => {
      // Serialises concurrent rotations of one tenant so exactly one token is left current.
      await credentialRepository.lockScimTokens(em, scope.tenantId);
      const now = new Date();
      const previous = (await credentialRepository.scimTokens(em, scope.tenantId)).filter((c) => isLive(c, now));
      const endsAt = new Date(now.getTime() + grace * 1000);
      for (const old of previous) {
        old.revokedAt = old.revokedAt && old.revokedAt < endsAt ? old.revokedAt : endsAt;
        await recordEvent(em, scope, {
          type: 'SCIM_TOKEN_REVOKED',
          subjectType: 'CREDENTIAL',
          subjectId: old.id,
          summary: grace > 0 ? `SCIM token ${old.displayPrefix}… stops working in ${grace}s` : `SCIM token ${old.displayPrefix}… revoked`,
          changes: [{ attribute: 'revokedAt', old: null, new: old.revokedAt.toISOString() }],
        });
      }
      const credential = credentialRepository.add(em, {
        tenantId: scope.tenantId,
        kind: 'SCIM',
        name: 'SCIM token',
        level: 'ADMINISTRATOR',
        tokenHash: issued.hash,
        displayPrefix: issued.displayPrefix,
        createdAt: now,
        ...(await creatorOfNewCredential(em, scope)),
      });
      await recordEvent(em, scope, {
        type: 'SCIM_TOKEN_CREATED',
        subjectType: 'CREDENTIAL',
        subjectId: credential.id,
        summary: `SCIM token ${issued.displayPrefix}… created`,
        changes: [{ attribute: 'scimToken', old: null, new: issued.displayPrefix }],
      });
      return { token: issued.token, credential };
    });
  }

  /** Revokes every SCIM token of the tenant at once (grace periods included). */
  async revokeScimToken(scope: Scope): Promise<ScimSettingsView> {
    requireLevel(scope, 'ADMINISTRATOR');
    await this.writeCredentials(async (em) => {
      const now = new Date();
      const live = (await credentialRepository.scimTokens(em, scope.tenantId)).filter((c) => isLive(c, now));
      if (live.length === 0) throw new DomainError('NOT_FOUND', 'This tenant has no SCIM token');
      for (const token of live) {
        token.revokedAt = now;
        await recordEvent(em, scope, {
          type: 'SCIM_TOKEN_REVOKED',
          subjectType: 'CREDENTIAL',
          subjectId: token.id,
          summary: `SCIM token ${token.displayPrefix}… revoked`,
        });
      }
    });
    return this.scimSettings(scope);
  }
}
