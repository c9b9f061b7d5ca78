import { DomainError } from './domain-error';

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 100;

/** Forward paging arguments shared by every list: `first` items after the opaque `after` cursor. */
export interface PageArgs {
  first?: number | null;
  after?: string | null;
}

export interface Page<T> {
  items: { node: T; cursor: string }[];
  totalCount: number;
  hasNextPage: boolean;
  endCursor: string | null;
}

/** Validates `first`: no unbounded list, and a clear error rather than a silent clamp. */
export function pageSize(first: number | null | undefined): number {
  if (first === null || first === undefined) return DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(first) || first < 0 || first > MAX_PAGE_SIZE) {
    throw new DomainError('BAD_USER_INPUT', `first must be between 0 and ${MAX_PAGE_SIZE}`, {
      argument: 'first',
      max: MAX_PAGE_SIZE,
    });
  }
  return first;
}

export type CursorKey = (string | number)[];

export const encodeCursor = (key: CursorKey): string => Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');

/** Decodes a cursor made by `encodeCursor` with `arity` parts; anything else is bad input, never a 500. */
export function decodeCursor(cursor: string | null | undefined, arity: number): CursorKey | undefined {
  if (cursor === null || cursor === undefined || cursor === '') return undefined;
  try {
    const key: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      Array.isArray(key) &&
      key.length === arity &&
      key.every((part) => (typeof part === 'string' && !part.includes('\u0000')) || typeof part === 'number')
    ) {
      return key as CursorKey;
    }
  } catch {
    // fall through to the error below
  }
  throw new DomainError('BAD_USER_INPUT', 'after is not a cursor this list gave out', { argument: 'after' });
}

/** Builds a page from `size + 1` fetched rows (the extra row only says whether there is a next page). */
export function toPage<T>(rows: T[], size: number, totalCount: number, keyOf: (row: T) => CursorKey): Page<T> {
  const items = rows.slice(0, size).map((node) => ({ node, cursor: encodeCursor(keyOf(node)) }));
  return {
    items,
    totalCount,
    hasNextPage: rows.length > size,
    endCursor: items.length > 0 ? items[items.length - 1].cursor : null,
  };
}
