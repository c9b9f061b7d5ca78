import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server } from 'node:http';
import { getOperationAST, GraphQLError, NoSchemaIntrospectionCustomRule, parse, specifiedRules, validate, type ExecutionResult, type GraphQLFormattedError, type GraphQLSchema } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import type { DomainServices } from '../domain/services';
import type { Actor } from '../domain/shared/scope';
import type { Logger } from '../http/logger';
import { bearerOf, parseBearer } from '../http/request-context';
import { SESSION_COOKIE } from '../http/session-cookie';
import type { GraphQLContext } from './context';
import { formatGraphqlError } from './errors';
import { MAX_QUERY_TOKENS, operationLimitError } from './limits';
import { sharedEventResult } from './resolvers/event-subscription.resolver';
import { subscribeSharingResults } from './shared-subscription-results';
import { actorFromRequest } from './server';

/** Largest message a client may send over the socket. */
const MAX_MESSAGE_BYTES = 1024 * 1024;

/**
 * GraphQL over WebSocket (`graphql-transport-ws`) on `/graphql` of the same HTTP server. Credentials are
 * the same as over HTTP: `connectionParams.authorization` ("Bearer …") or the session cookie of the upgrade
 * request; a bad one refuses the connection (4403). They are checked again for every subscription, so a
 * revoked credential cannot start new ones, and while a subscription runs (see `reauthenticate`).
 */
export function createWsServer(options: {
  httpServer: Server;
  schema: GraphQLSchema;
  services: DomainServices;
  publicUrl: string;
  logger: Logger;
  /** Answer `__schema`/`__type`, as over HTTP. */
  introspection: boolean;
}) {
  const { httpServer, schema, services, publicUrl, logger, introspection } = options;
  const rules = introspection ? specifiedRules : [...specifiedRules, NoSchemaIntrospectionCustomRule];
  const wss = new WebSocketServer({ server: httpServer, path: '/graphql', maxPayload: MAX_MESSAGE_BYTES });
  const format = formatGraphqlError((error) => logger.error({ err: error }, 'unexpected GraphQL error over WebSocket'));
  const formatAll = (errors: readonly GraphQLError[]): GraphQLFormattedError[] => errors.map((error) => format(error.toJSON(), error));

  const ownOrigin = new URL(publicUrl).origin;
  const actorOf = async (ctx: { connectionParams?: Readonly<Record<string, unknown>>; extra: { request: IncomingMessage } }): Promise<Actor | null> => {
    const given = ctx.connectionParams?.authorization;
    if (typeof given === 'string') {
      const token = parseBearer(given);
      return actorFromRequest(services, token ? { token } : { malformed: true });
    }
    // The browser sends the cookie with upgrades started by any page of the same site: only pages of
    // Portico's own origin may use it (cross-site WebSocket hijacking).
    const origin = ctx.extra.request.headers.origin;
    if (origin !== undefined && origin !== ownOrigin) return null;
    return actorFromRequest(services, bearerOf(ctx.extra.request, SESSION_COOKIE));
  };

  const disposable = useServer<Record<string, unknown>>(
    {
      schema,
      // An event goes to every subscriber of its tenant: executed once per request, not once per subscriber.
      subscribe: subscribeSharingResults(sharedEventResult),
      onConnect: async (ctx) => {
        try {
          await actorOf(ctx);
          return true;
        } catch {
          return false;
        }
      },
      context: async (ctx): Promise<GraphQLContext> => {
        const actor = await actorOf(ctx);
        const reauthenticate = async () => {
          const now = await actorOf(ctx);
          return now !== null && actor !== null && now.kind === actor.kind && now.id === actor.id && now.tenantId === actor.tenantId ? now : null;
        };
        return { actor, requestId: randomUUID(), services, publicUrl, reauthenticate };
      },
      onSubscribe: (_ctx, _id, payload) => {
        let document;
        try {
          document = parse(payload.query, { maxTokens: MAX_QUERY_TOKENS });
        } catch (error) {
          // Answered here: graphql-ws would parse again, without the token limit.
          if (error instanceof GraphQLError) return [new GraphQLError(error.message, { extensions: { code: 'GRAPHQL_PARSE_FAILED' } })];
          throw error;
        }
        const operation = getOperationAST(document, payload.operationName);
        const tooComplex = operation && operationLimitError({ schema, document, operation, operationName: payload.operationName, variables: payload.variables });
        if (tooComplex) return [tooComplex];
        // Validated here, once (left to graphql-ws, the text was parsed and validated again), and answered with the
        // codes HTTP gives: without one, a client's mistake was reported as an internal error.
        const invalid = validate(schema, document, rules);
        if (invalid.length > 0) return invalid.map((error) => withCode(error, 'GRAPHQL_VALIDATION_FAILED'));
        if (!operation) return [new GraphQLError('Unable to identify operation', { extensions: { code: 'BAD_REQUEST' } })];
        return { schema, document, operationName: payload.operationName, variableValues: payload.variables };
      },
      onNext: (_ctx, _id, _payload, _args, result: ExecutionResult) => (result.errors ? { ...result, errors: formatAll(result.errors) } : result),
      onError: (_ctx, _id, _payload, errors) => formatAll(errors),
    },
    wss,
  );
  return {
    stop: async () => {
      for (const client of wss.clients) client.close(1001, 'Server shutting down');
      await disposable.dispose();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}

/** `error` as a client's error with `code`, as Apollo marks it over HTTP. */
function withCode(error: GraphQLError, code: string): GraphQLError {
  return new GraphQLError(error.message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    path: error.path,
    originalError: error.originalError,
    extensions: { ...error.extensions, code },
  });
}
