import pg from 'pg';

/** A statement as node-postgres was handed it, and the promise of its result. */
export interface SeenStatement {
  /** The prepared statement's name, when it has one. */
  name: string | undefined;
  text: string;
  result: Promise<pg.QueryResult> | undefined;
}

/**
 * Calls `onStatement` for every statement any node-postgres client of this process sends (Portico's pool and its
 * LISTEN connection included), until the returned function is called: what the tests that count round trips or
 * rows read see.
 */
export function watchStatements(onStatement: (statement: SeenStatement) => void): () => void {
  const original = pg.Client.prototype.query;
  (pg.Client.prototype as unknown as { query: unknown }).query = function (this: pg.Client, ...args: unknown[]) {
    const given = args[0] as string | { text?: string; name?: string };
    const result = (original as (...a: unknown[]) => unknown).apply(this, args);
    onStatement({
      name: typeof given === 'string' ? undefined : given.name,
      text: typeof given === 'string' ? given : (given.text ?? ''),
      result: result instanceof Promise ? (result as Promise<pg.QueryResult>) : undefined,
    });
    return result;
  } as never;
  return () => {
    (pg.Client.prototype as unknown as { query: unknown }).query = original;
  };
}
