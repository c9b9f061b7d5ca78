import DataLoader from 'dataloader';
import { Kind, type GraphQLResolveInfo, type SelectionSetNode } from 'graphql';
import type { ExplainedAccess, GroupsRead } from '../domain/access/access.service';
import { notFound } from '../domain/shared/domain-error';
import type { Scope } from '../domain/shared/scope';
import type { User } from '../domain/users/user.entity';
import type { GraphQLContext } from './context';

/** Access read with its user, waiting for the user's `access` field, per request. */
const prefetched = new WeakMap<GraphQLContext, Map<string, ExplainedAccess>>();
/** Per request, per tenant: one access query for every user whose `access` a request selects. */
const loaders = new WeakMap<GraphQLContext, Map<string, DataLoader<string, ExplainedAccess>>>();

/** Whether the field being resolved selects `name` directly (or through an inline fragment). */
export function selects(info: GraphQLResolveInfo, name: string): boolean {
  const search = (set: SelectionSetNode | undefined): boolean =>
    (set?.selections ?? []).some((s) => (s.kind === Kind.FIELD ? s.name.value === name : s.kind === Kind.INLINE_FRAGMENT && search(s.selectionSet)));
  return info.fieldNodes.some((node) => search(node.selectionSet));
}

/**
 * How the groups of the `access` the field being resolved selects must be read: with their rows when the
 * selection asks for an `updatedAt` anywhere under `access` (a group's changes with every SCIM write to it),
 * else as the tenant's access version names them. Fragments are followed; no `access`, no timestamps.
 */
export function groupsReadFor(info: GraphQLResolveInfo): GroupsRead {
  const followed = new Set<string>();
  const hasUpdatedAt = (set: SelectionSetNode | undefined): boolean =>
    (set?.selections ?? []).some((s) => {
      if (s.kind === Kind.FIELD) return s.name.value === 'updatedAt' || hasUpdatedAt(s.selectionSet);
      if (s.kind === Kind.INLINE_FRAGMENT) return hasUpdatedAt(s.selectionSet);
      if (followed.has(s.name.value)) return false;
      followed.add(s.name.value);
      return hasUpdatedAt(info.fragments[s.name.value]?.selectionSet);
    });
  const accessUnder = (set: SelectionSetNode | undefined): boolean =>
    (set?.selections ?? []).some((s) => {
      if (s.kind === Kind.FIELD) return s.name.value === 'access' && hasUpdatedAt(s.selectionSet);
      if (s.kind === Kind.INLINE_FRAGMENT) return accessUnder(s.selectionSet);
      return accessUnder(info.fragments[s.name.value]?.selectionSet);
    });
  return info.fieldNodes.some((node) => accessUnder(node.selectionSet)) ? 'with-timestamps' : 'cached';
}

/**
 * Reads a user and their access in one query, for a query that asks for both (`user(id) { access }`): the
 * user's `access` field then takes the access instead of asking again. Fails as reading the user does.
 */
export async function readUserWithAccess(ctx: GraphQLContext, scope: Scope, userId: string, groupsRead: GroupsRead): Promise<User> {
  const { user, access, named } = await ctx.services.access.userWithAccess(scope, userId, groupsRead);
  let forRequest = prefetched.get(ctx);
  if (!forRequest) prefetched.set(ctx, (forRequest = new Map()));
  forRequest.set(user.id, { access, named });
  return user;
}

/**
 * A user's explained access for their `access` field: the one read with the user when there is one (taken
 * once), else through the request's loader, so a page of users costs one access query, not one per user.
 * One's own access batches apart from others': it needs no directory access, theirs does, and a refusal of
 * theirs must not take one's own with it.
 */
export function explainedAccess(ctx: GraphQLContext, scope: Scope, userId: string): Promise<ExplainedAccess> {
  const forRequest = prefetched.get(ctx);
  const taken = forRequest?.get(userId);
  if (taken) {
    forRequest!.delete(userId);
    return Promise.resolve(taken);
  }
  const own = scope.actor.kind === 'USER' && scope.actor.id === userId;
  const key = `${scope.tenantId}${own ? ' own' : ''}`;
  let byTenant = loaders.get(ctx);
  if (!byTenant) loaders.set(ctx, (byTenant = new Map()));
  let loader = byTenant.get(key);
  if (!loader) {
    loader = new DataLoader<string, ExplainedAccess>(async (ids) => {
      const { accesses, named } = await ctx.services.access.explainedAccessOfUsers(scope, ids);
      return ids.map((id): ExplainedAccess | Error => {
        const access = accesses.get(id);
        return access ? { access, named } : notFound('User');
      });
    });
    byTenant.set(key, loader);
  }
  return loader.load(userId);
}
