import type { DomainServices } from '../domain/services';
import { DomainError } from '../domain/shared/domain-error';
import type { Actor, CallContext, Scope } from '../domain/shared/scope';

/** What every resolver receives: the authenticated caller (or null) and the domain. */
export interface GraphQLContext {
  actor: Actor | null;
  requestId: string;
  services: DomainServices;
  publicUrl: string;
  /**
   * Over WebSocket: the caller as the connection's credential names it now (its level as the mappings say
   * now), or null when the credential no longer names the same caller. Asked again as events flow.
   */
  reauthenticate?: () => Promise<Actor | null>;
}

/** The caller as the domain sees it; refuses anonymous callers. */
export function callContext(ctx: GraphQLContext): CallContext {
  if (!ctx.actor) throw new DomainError('UNAUTHENTICATED', 'Send a bearer token or sign in');
  return { actor: ctx.actor, source: 'GRAPHQL', requestId: ctx.requestId };
}

/** The tenant scope of a call: the caller's own tenant, or the one an operator names. */
export function tenantScope(ctx: GraphQLContext, tenantSlug?: string | null): Promise<Scope> {
  return ctx.services.tenants.scopeFor(callContext(ctx), tenantSlug);
}

/** The scope of a node already read under authorization (for its field resolvers). */
export function nodeScope(ctx: GraphQLContext, tenantId: string): Scope {
  return { ...callContext(ctx), tenantId };
}
