import type { Server } from 'node:http';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { expressMiddleware } from '@as-integrations/express5';
import type { RequestHandler } from 'express';
import { GraphQLError, type GraphQLSchema } from 'graphql';
import type { DomainServices } from '../domain/services';
import type { Actor } from '../domain/shared/scope';
import type { Logger } from '../http/logger';
import { bearerOf, requestIdOf } from '../http/request-context';
import { SESSION_COOKIE } from '../http/session-cookie';
import type { GraphQLContext } from './context';
import { anyUnavailable, formatGraphqlError, UNAVAILABLE_HTTP, unavailableGraphqlError } from './errors';
import { subscriptionsOverWebSocketOnlyPlugin } from './http-subscriptions';
import { MAX_QUERY_TOKENS, queryLimitsPlugin } from './limits';

export { SESSION_COOKIE } from '../http/session-cookie';

export interface GraphqlServer {
  middleware: RequestHandler;
  stop(): Promise<void>;
}

const unauthenticated = (message: string) =>
  new GraphQLError(message, { extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } } });

/** Resolves the caller of a request: no credential is anonymous; a bad one is refused outright. */
export async function actorFromRequest(
  services: DomainServices,
  credential: ReturnType<typeof bearerOf>,
): Promise<Actor | null> {
  if (!credential) return null;
  if ('malformed' in credential) throw unauthenticated('Authorization must be "Bearer <token>"');
  const actor = await services.authenticator.authenticate(credential.token);
  if (!actor) throw unauthenticated('The token is unknown, revoked or expired');
  return actor;
}

/** A response whose errors include an unavailable database answers 503 with Retry-After, like SCIM does. */
function serviceUnavailablePlugin(): ApolloServerPlugin<GraphQLContext> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ errors, response }) {
          if (!anyUnavailable(errors)) return;
          response.http.status = UNAVAILABLE_HTTP.status;
          for (const [name, value] of UNAVAILABLE_HTTP.headers) response.http.headers.set(name, value);
        },
      };
    },
  };
}

export async function createGraphqlServer(options: {
  schema: GraphQLSchema;
  httpServer: Server;
  services: DomainServices;
  publicUrl: string;
  logger: Logger;
  /** Answer `__schema`/`__type`; off in production unless the operator opens it (the SDL is published in the repository). */
  introspection: boolean;
}): Promise<GraphqlServer> {
  const { schema, httpServer, services, publicUrl, logger, introspection } = options;
  const apollo = new ApolloServer<GraphQLContext>({
    schema,
    introspection,
    formatError: formatGraphqlError((error) => logger.error({ err: error }, 'unexpected GraphQL error')),
    includeStacktraceInErrorResponses: false,
    parseOptions: { maxTokens: MAX_QUERY_TOKENS },
    // The process drains on SIGTERM itself (main.ts); Apollo's own signal handlers would race it.
    stopOnTerminationSignals: false,
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      ApolloServerPluginLandingPageDisabled(),
      // No cache hints are used; the default plugin would still wrap every field resolver to compute them.
      ApolloServerPluginCacheControlDisabled(),
      queryLimitsPlugin(),
      serviceUnavailablePlugin(),
      subscriptionsOverWebSocketOnlyPlugin(),
    ],
  });
  await apollo.start();
  const middleware = expressMiddleware(apollo, {
    context: async ({ req }) => ({
      actor: await actorFromRequest(services, bearerOf(req, SESSION_COOKIE)).catch((error: unknown) => {
        throw unavailableGraphqlError(error) ?? error;
      }),
      requestId: requestIdOf(req),
      services,
      publicUrl,
    }),
  });
  return { middleware, stop: () => apollo.stop() };
}
