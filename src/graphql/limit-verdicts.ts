import { Kind, visit, type ArgumentNode, type DocumentNode } from 'graphql';
import { LRUCache } from 'lru-cache';
import { MEASURED_ARGUMENT } from './query-cost';

/** Per document: the variables whose values the limits depend on. */
const measuredVariablesOf = new WeakMap<DocumentNode, readonly string[]>();

/**
 * The variables a document gives to the measured argument (a page's `first`) or to `@include`/`@skip`: the
 * only ones the depth and cost of its operations depend on. Found once per parsed document (Apollo keeps one
 * parsed, validated document per query text).
 */
function measuredVariables(document: DocumentNode): readonly string[] {
  let names = measuredVariablesOf.get(document);
  if (!names) {
    const found = new Set<string>();
    const collect = (args: readonly ArgumentNode[] | undefined, measured: (name: string) => boolean) => {
      for (const arg of args ?? []) if (measured(arg.name.value) && arg.value.kind === Kind.VARIABLE) found.add(arg.value.name.value);
    };
    visit(document, {
      Field: (node) => collect(node.arguments, (name) => name === MEASURED_ARGUMENT),
      Directive: (node) => collect(node.arguments, () => node.name.value === 'include' || node.name.value === 'skip'),
    });
    names = [...found].sort();
    measuredVariablesOf.set(document, names);
  }
  return names;
}

/**
 * Operations already measured within the limits: the depth and cost of an operation depend only on its
 * document and the measured variables, and measuring them (graphql-query-complexity walks the whole operation
 * twice) cost more than executing a small query. Only verdicts of "within the limits" are kept, and only when
 * every variable coerced: a refusal is measured again (it must name the figure that exceeded), and so is an
 * operation whose variables did not coerce (execution refuses those).
 */
export class LimitVerdicts {
  private readonly withinLimits = new LRUCache<string, true>({ max: 5000 });

  /** The key of an operation of a document (by the hash of its text) with these variables. */
  keyOf(queryHash: string, document: DocumentNode, operationName: string | null | undefined, variables: Record<string, unknown> | null | undefined): string {
    const values = measuredVariables(document).map((name) => (variables && name in variables ? [variables[name]] : []));
    return `${queryHash}\u0000${operationName ?? ''}\u0000${values.length > 0 ? JSON.stringify(values) : ''}`;
  }

  isWithinLimits(key: string): boolean {
    return this.withinLimits.has(key);
  }

  rememberWithinLimits(key: string): void {
    this.withinLimits.set(key, true);
  }
}
