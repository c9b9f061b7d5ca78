import type { ApolloServerPlugin } from '@apollo/server';
import {
  GraphQLError,
  Kind,
  type DocumentNode,
  type GraphQLSchema,
  type FragmentDefinitionNode,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import { getComplexity, type ComplexityEstimator } from 'graphql-query-complexity';
import { LimitVerdicts } from './limit-verdicts';
import { objectCostEstimator, readsEstimator } from './query-cost';

export const MAX_QUERY_DEPTH = 12;
/**
 * Tokens a document may have (about 3,000 fields): the parser stops there, before validation, whose cost grows
 * with the number of fields, and before the cost measures run.
 */
export const MAX_QUERY_TOKENS = 10_000;
/**
 * The objects one response may hold at the real maxima of its lists. The largest legitimate answer, one
 * user's access explained with every grant the limits allow (1,000 teams × 1,001 sources), is about two
 * million; this admits it once, and nothing amplified by aliases.
 */
export const MAX_QUERY_COST = 2_500_000;
/** The database reads one operation may start: a page of 100 users with their groups and access is 201. */
export const MAX_QUERY_READS = 500;

/**
 * The deepest chain of nested fields in an operation. Runs after validation, so fragments have no cycles;
 * each fragment's depth is computed once, which keeps fan-out through repeated spreads linear.
 */
export function operationDepth(document: DocumentNode, operation: OperationDefinitionNode): number {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  const fragmentDepths = new Map<string, number>();
  const depthOf = (set: SelectionSetNode | undefined): number => {
    if (!set) return 0;
    let deepest = 0;
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) {
        deepest = Math.max(deepest, selection.selectionSet ? 1 + depthOf(selection.selectionSet) : 1);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        deepest = Math.max(deepest, depthOf(selection.selectionSet));
      } else {
        const name = selection.name.value;
        if (!fragmentDepths.has(name)) {
          fragmentDepths.set(name, 0); // a guard should validation ever let a cycle through
          fragmentDepths.set(name, depthOf(fragments.get(name)?.selectionSet));
        }
        deepest = Math.max(deepest, fragmentDepths.get(name)!);
      }
    }
    return deepest;
  };
  return depthOf(operation.selectionSet);
}

/**
 * What an operation may do at the real maxima of its lists: the database reads it may start and the objects
 * its answer may hold. Throws when the variables do not coerce.
 */
export function operationMeasures(request: {
  schema: GraphQLSchema;
  document: DocumentNode;
  operationName?: string | null;
  variables?: Record<string, unknown> | null;
}): { reads: number; cost: number } {
  const measure = (estimator: ComplexityEstimator) =>
    getComplexity({
      schema: request.schema,
      query: request.document,
      operationName: request.operationName ?? undefined,
      variables: request.variables ?? {},
      estimators: [estimator],
    });
  return { reads: measure(readsEstimator), cost: measure(objectCostEstimator) };
}

const tooComplex = (message: string, extensions: Record<string, number>) =>
  new GraphQLError(message, { extensions: { code: 'QUERY_TOO_COMPLEX', ...extensions, http: { status: 400 } } });

/**
 * The operation's depth and cost against the limits: the error to refuse it with, or null, and whether it was
 * measured (false when its variables did not coerce: those are left to execution, which refuses them with
 * BAD_USER_INPUT).
 */
function operationLimitVerdict(
  request: { schema: GraphQLSchema; document: DocumentNode; operation: OperationDefinitionNode; operationName?: string | null; variables?: Record<string, unknown> | null },
  maxDepth: number,
  maxCost: number,
  maxReads: number,
): { error: GraphQLError | null; measured: boolean } {
  const depth = operationDepth(request.document, request.operation);
  if (depth > maxDepth) return { error: tooComplex(`Query is nested ${depth} levels deep; at most ${maxDepth} are allowed`, { depth, maxDepth }), measured: true };
  let measures: { reads: number; cost: number };
  try {
    measures = operationMeasures(request);
  } catch (error) {
    // Variables that do not coerce are refused at execution with BAD_USER_INPUT; anything else the measure
    // could not count (graphql-query-complexity gives up past 10,000 nodes) is refused here, never let through.
    if (error instanceof GraphQLError && /^Variable "\$/.test(error.message)) return { error: null, measured: false };
    return { error: tooComplex('Query is too large to measure; send a smaller one', {}), measured: true };
  }
  const { reads, cost } = measures;
  if (reads > maxReads) return { error: tooComplex(`Query would start ${reads} database reads; at most ${maxReads} are allowed`, { reads, maxReads }), measured: true };
  return { error: cost > maxCost ? tooComplex(`Query would cost ${cost}; at most ${maxCost} is allowed`, { cost, maxCost }) : null, measured: true };
}

/**
 * The operation's depth and cost against the limits; the error to refuse it with, or null. Variables that do
 * not coerce are left to execution, which refuses them with BAD_USER_INPUT.
 */
export function operationLimitError(
  request: { schema: GraphQLSchema; document: DocumentNode; operation: OperationDefinitionNode; operationName?: string | null; variables?: Record<string, unknown> | null },
  maxDepth = MAX_QUERY_DEPTH,
  maxCost = MAX_QUERY_COST,
  maxReads = MAX_QUERY_READS,
): GraphQLError | null {
  return operationLimitVerdict(request, maxDepth, maxCost, maxReads).error;
}

/**
 * Refuses operations nested deeper than `maxDepth` or costlier than `maxCost`, before any resolver runs. An
 * operation found within the limits is not measured again for the same document and measured variables.
 */
export function queryLimitsPlugin(maxDepth = MAX_QUERY_DEPTH, maxCost = MAX_QUERY_COST): ApolloServerPlugin {
  const verdicts = new LimitVerdicts();
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ request, document, schema, operation, queryHash }) {
          if (!operation) return;
          const key = verdicts.keyOf(queryHash, document, request.operationName, request.variables);
          if (verdicts.isWithinLimits(key)) return;
          const { error, measured } = operationLimitVerdict(
            { schema, document, operation, operationName: request.operationName, variables: request.variables },
            maxDepth,
            maxCost,
            MAX_QUERY_READS,
          );
          if (error) throw error;
          if (measured) verdicts.rememberWithinLimits(key);
        },
      };
    },
  };
}
