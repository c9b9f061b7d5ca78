import { DomainError } from './domain-error';
import { atLeast, type PermissionLevel } from './permission-level';
import type { Actor, CallContext, Scope } from './scope';

const isPlatformActor = (actor: Actor) => actor.kind === 'OPERATOR' || actor.kind === 'SYSTEM';

/** Refuses unless the actor is the platform operator (or the system itself). */
export function requireOperator(ctx: CallContext): void {
  if (!isPlatformActor(ctx.actor)) {
    throw new DomainError('FORBIDDEN', 'Only the platform operator may do this');
  }
}

/** Refuses unless the actor belongs to the scope's tenant (or is the operator) with at least `needed`. */
export function requireLevel(scope: Scope, needed: PermissionLevel): void {
  if (isPlatformActor(scope.actor)) return;
  if (scope.actor.tenantId !== scope.tenantId) {
    throw new DomainError('FORBIDDEN', 'This tenant is not yours');
  }
  if (scope.actor.kind === 'SCIM_CLIENT') {
    throw new DomainError('FORBIDDEN', 'A SCIM token may only provision users and groups');
  }
  if (!atLeast(scope.actor.level, needed)) {
    throw new DomainError('FORBIDDEN', `This needs the ${needed} level`);
  }
}

/**
 * Users and groups: the tenant's SCIM client reads and writes them (and nothing else); other actors need
 * VIEWER to read and ADMINISTRATOR to write.
 */
export function requireDirectoryAccess(scope: Scope, mode: 'read' | 'write'): void {
  if (scope.actor.kind === 'SCIM_CLIENT' && scope.actor.tenantId === scope.tenantId) return;
  requireLevel(scope, mode === 'read' ? 'VIEWER' : 'ADMINISTRATOR');
}
