import DataLoader from 'dataloader';
import { Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import type { User } from '../../domain/users/user.entity';
import { nodeScope, type GraphQLContext } from '../context';
import { ApiKeyNode, ScimSettings } from '../types/credential.type';
import { toUserNode, UserNode } from '../types/user.type';

const CREATOR_DESCRIPTION =
  'The user this credential answers to: it works only while they are active, and at most at their current global level. ' +
  'Null when the platform operator made it, or when that user was deleted (the credential then no longer works).';

/** One creator lookup per request and tenant, however many keys are listed. */
const loaders = new WeakMap<GraphQLContext, Map<string, DataLoader<string, User | null>>>();

function creatorOf(ctx: GraphQLContext, tenantId: string, userId: string | null): Promise<UserNode | null> | null {
  if (!userId) return null;
  let forRequest = loaders.get(ctx);
  if (!forRequest) loaders.set(ctx, (forRequest = new Map()));
  let loader = forRequest.get(tenantId);
  if (!loader) {
    loader = new DataLoader(async (ids: readonly string[]) => {
      const found = await ctx.services.credentials.creatorsOf(nodeScope(ctx, tenantId), ids);
      return ids.map((id) => found.get(id) ?? null);
    });
    forRequest.set(tenantId, loader);
  }
  return loader.load(userId).then((user) => user && toUserNode(user));
}

@Resolver(() => ApiKeyNode)
export class ApiKeyCreatorResolver {
  @FieldResolver(() => UserNode, { nullable: true, description: CREATOR_DESCRIPTION })
  createdBy(@Ctx() ctx: GraphQLContext, @Root() key: ApiKeyNode): Promise<UserNode | null> | null {
    return creatorOf(ctx, key.tenantId, key.createdByUserId);
  }
}

@Resolver(() => ScimSettings)
export class ScimTokenCreatorResolver {
  @FieldResolver(() => UserNode, { nullable: true, description: `Of the current token. ${CREATOR_DESCRIPTION}` })
  tokenCreatedBy(@Ctx() ctx: GraphQLContext, @Root() settings: ScimSettings): Promise<UserNode | null> | null {
    return creatorOf(ctx, settings.tenantId, settings.tokenCreatedByUserId);
  }
}
