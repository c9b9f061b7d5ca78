import { LRUCache } from 'lru-cache';
import { requireLevel, requireOperator } from '../shared/authorize';
import { diffAttributes } from '../shared/changes';
import { DomainError } from '../shared/domain-error';
import { decodeCursor, pageSize, toPage, type Page, type PageArgs } from '../shared/pagination';
import type { CallContext, Scope } from '../shared/scope';
import type { UnitOfWork } from '../shared/unit-of-work';
import { conflictOnDuplicate, parseInput } from '../shared/validate';
import { recordEvent } from '../events/event-recorder';
import type { Tenant } from './tenant.entity';
import { tenantRepository } from './tenant.repository';
import { createTenantRule, tenantSettingsRule, tenantSlugRule } from './tenant-rules';

export interface CreateTenantInput {
  slug: string;
  name?: string | null;
}

export interface TenantSettingsInput {
  jitSignIn?: boolean | null;
  idpInitiatedSignIn?: boolean | null;
}

/**
 * How long a process believes a slug names no tenant. A tenant created by this process is usable at once;
 * one created by another process within this time.
 */
export const UNKNOWN_SLUG_TTL_MS = 5_000;

/** Tenants: created by the operator; each tenant's settings changed by its administrators. */
export class TenantService {
  /** Slug → tenant id. A tenant's slug never changes and tenants are not deleted, so entries never go stale. */
  private readonly idBySlug = new LRUCache<string, string>({ max: 100_000 });
  /**
   * Slugs just found to name no tenant: anyone can send requests for random slugs, and without this each
   * would cost a query. Bounded, and short-lived (see UNKNOWN_SLUG_TTL_MS).
   */
  private readonly unknownSlugs = new LRUCache<string, true>({ max: 10_000, ttl: UNKNOWN_SLUG_TTL_MS });
  /** Tenant id → slug (never stale either), for URLs built from a row that carries only the tenant id. */
  private readonly slugById = new LRUCache<string, string>({ max: 100_000 });

  constructor(private readonly uow: UnitOfWork) {}

  async create(ctx: CallContext, input: CreateTenantInput): Promise<Tenant> {
    requireOperator(ctx);
    const { slug, name } = parseInput(createTenantRule, { slug: input.slug, name: input.name ?? undefined });
    return conflictOnDuplicate(
      () =>
        this.uow.write(async (em) => {
          const tenant = tenantRepository.add(em, { slug, name: name ?? slug });
          await recordEvent(em, { ...ctx, tenantId: tenant.id }, {
            type: 'TENANT_CREATED',
            subjectType: 'TENANT',
            subjectId: tenant.id,
            summary: `Tenant ${slug} created`,
            changes: diffAttributes(null, tenant, ['slug', 'name']),
          });
          return tenant;
        }).finally(() => this.unknownSlugs.delete(slug)),
      `A tenant with slug "${slug}" already exists`,
    );
  }

  async list(ctx: CallContext, args: PageArgs): Promise<Page<Tenant>> {
    requireOperator(ctx);
    const size = pageSize(args.first);
    const after = decodeCursor(args.after, 1);
    return this.uow.read(async (em) => {
      const [rows, totalCount] = await Promise.all([
        tenantRepository.page(em, after ? String(after[0]) : null, size + 1),
        tenantRepository.count(em),
      ]);
      return toPage(rows, size, totalCount, (t) => [t.slug]);
    });
  }

  /**
   * Resolves which tenant a call acts on. The operator must name one; anyone else acts on their own
   * tenant and is refused another (FORBIDDEN, whether or not that tenant exists).
   */
  async scopeFor(ctx: CallContext, slug?: string | null): Promise<Scope> {
    const isOperator = ctx.actor.kind === 'OPERATOR' || ctx.actor.kind === 'SYSTEM';
    if (isOperator) {
      if (!slug) throw new DomainError('BAD_USER_INPUT', 'The operator must name a tenant', { argument: 'tenant' });
      const tenantId = await this.idOfSlug(slug);
      if (!tenantId) throw new DomainError('NOT_FOUND', `Tenant "${slug}" not found`);
      return { ...ctx, tenantId };
    }
    if (!ctx.actor.tenantId) throw new DomainError('FORBIDDEN', 'This caller belongs to no tenant');
    if (slug && (await this.idOfSlug(slug)) !== ctx.actor.tenantId) throw new DomainError('FORBIDDEN', 'This tenant is not yours');
    return { ...ctx, tenantId: ctx.actor.tenantId };
  }

  /**
   * The id of the tenant with this slug, or null, with no caller (the SCIM and SAML routes resolve their URL
   * this way). Answers from memory when it can: ids forever (slugs never change), misses for a few seconds.
   */
  async idOfSlug(slug: string): Promise<string | null> {
    // A string no slug can be (a NUL, a space, …) names no tenant; it never reaches the database.
    if (!tenantSlugRule.safeParse(slug).success) return null;
    const known = this.idBySlug.get(slug);
    if (known) return known;
    if (this.unknownSlugs.has(slug)) return null;
    const tenantId = await this.uow.read((em) => tenantRepository.idOfSlug(em, slug));
    if (!tenantId) {
      this.unknownSlugs.set(slug, true);
      return null;
    }
    this.idBySlug.set(slug, tenantId);
    return tenantId;
  }

  /** The slug of the scope's tenant (for the URLs of its resources), read once per process. */
  async slugOf(scope: Scope): Promise<string> {
    requireLevel(scope, 'NONE');
    const known = this.slugById.get(scope.tenantId);
    if (known) return known;
    const slug = await this.uow.read((em) => tenantRepository.slugOf(em, scope.tenantId));
    if (!slug) throw new DomainError('NOT_FOUND', 'Tenant not found');
    this.slugById.set(scope.tenantId, slug);
    return slug;
  }

  async get(scope: Scope): Promise<Tenant> {
    requireLevel(scope, 'NONE');
    const tenant = await this.uow.read((em) => tenantRepository.byId(em, scope.tenantId));
    if (!tenant) throw new DomainError('NOT_FOUND', 'Tenant not found');
    return tenant;
  }

  async updateSettings(scope: Scope, input: TenantSettingsInput): Promise<Tenant> {
    requireLevel(scope, 'ADMINISTRATOR');
    const settings = parseInput(tenantSettingsRule, {
      jitSignIn: input.jitSignIn ?? undefined,
      idpInitiatedSignIn: input.idpInitiatedSignIn ?? undefined,
    });
    return this.uow.write(async (em) => {
      const tenant = await tenantRepository.byId(em, scope.tenantId);
      if (!tenant) throw new DomainError('NOT_FOUND', 'Tenant not found');
      const before = { ...tenant };
      if (settings.jitSignIn !== undefined) tenant.jitSignIn = settings.jitSignIn;
      if (settings.idpInitiatedSignIn !== undefined) tenant.idpInitiatedSignIn = settings.idpInitiatedSignIn;
      const changes = diffAttributes(before, tenant, ['jitSignIn', 'idpInitiatedSignIn']);
      if (changes.length > 0) {
        await recordEvent(em, scope, {
          type: 'TENANT_UPDATED',
          subjectType: 'TENANT',
          subjectId: tenant.id,
          summary: 'Tenant settings changed',
          changes,
        });
      }
      return tenant;
    });
  }
}
