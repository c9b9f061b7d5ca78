/** A statement with `$1`, `$2`… placeholders: the values travel apart from the text, never spliced into it. */
export interface Statement {
  /**
   * Set for the hot statements of a fixed text: PostgreSQL parses and plans a named statement once per
   * connection and afterwards only executes it. Unset for texts built per request (a SCIM filter's shape).
   */
  name?: string;
  text: string;
}

/**
 * How repositories reach PostgreSQL without the ORM's unit of work: one parameterised statement, one round
 * trip. Implemented by `src/db/driver-sql.ts` on a connection of the ORM's pool: outside a transaction each
 * statement is its own transaction; in one (`UnitOfWork.sqlOf`), on the transaction's connection.
 */
export interface SqlClient {
  query<R>(statement: Statement, values: readonly unknown[]): Promise<R[]>;
}

/** Every named statement made in this process, by name: what the tests check the generic plans of. */
const NAMED_STATEMENTS = new Map<string, string>();

/** A named statement (see `Statement.name`); the name must be unique per text in the process. */
export const named = (name: string, text: string): Statement => {
  const statement = { name: `portico_${name}`, text };
  NAMED_STATEMENTS.set(statement.name, text);
  return statement;
};

/** The named statements made so far in this process (those built per use, such as a write with n events, once used). */
export const namedStatements = (): ReadonlyMap<string, string> => NAMED_STATEMENTS;

/** PostgreSQL's SQLSTATE on an error of the driver (or of the ORM wrapping it). */
export function sqlState(error: unknown): string | undefined {
  const { code, cause } = (error ?? {}) as { code?: unknown; cause?: unknown };
  if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code;
  return cause && cause !== error ? sqlState(cause) : undefined;
}

/** A unique index refused the row (a userName or displayName taken). */
export const isUniqueViolation = (error: unknown): boolean => sqlState(error) === '23505';

/** SQL with `?` placeholders (knex's, the filter translator's) numbered `$first`, `$first + 1`…; never for text with a literal `?`. */
export function numbered(sql: string, first = 1): string {
  let n = first;
  return sql.replace(/\?/g, () => `$${n++}`);
}
