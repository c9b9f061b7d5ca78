import { Kind, type GraphQLResolveInfo, type SelectionSetNode } from 'graphql';
import type { Scope } from '../domain/shared/scope';
import type { GraphQLContext } from './context';

type ExplainedAccess = Awaited<ReturnType<GraphQLContext['services']['access']['explainedAccessOf']>>;

const pending = new WeakMap<GraphQLContext, Map<string, Promise<ExplainedAccess>>>();

/** Whether the field being resolved selects `name` directly (or through an inline fragment). */
export function selects(info: GraphQLResolveInfo, name: string): boolean {
  const search = (set: SelectionSetNode | undefined): boolean =>
    (set?.selections ?? []).some((s) => (s.kind === Kind.FIELD ? s.name.value === name : s.kind === Kind.INLINE_FRAGMENT && search(s.selectionSet)));
  return info.fieldNodes.some((node) => search(node.selectionSet));
}

/**
 * Starts reading a user's access while the user itself is read, when the query asks for both: the two
 * queries then take the time of one. The `access` field takes the result; a failure (no such user, no
 * right to read it) is left for the field to meet, and never surfaces on its own.
 */
export function prefetchAccess(ctx: GraphQLContext, scope: Scope, userId: string): void {
  const started = ctx.services.access.explainedAccessOf(scope, userId);
  started.catch(() => {});
  let forRequest = pending.get(ctx);
  if (!forRequest) pending.set(ctx, (forRequest = new Map()));
  forRequest.set(userId, started);
}

/** The access prefetched for this user in this request (once), or undefined. */
export function takePrefetchedAccess(ctx: GraphQLContext, userId: string): Promise<ExplainedAccess> | undefined {
  const forRequest = pending.get(ctx);
  const started = forRequest?.get(userId);
  forRequest?.delete(userId);
  return started;
}
