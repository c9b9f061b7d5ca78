import { UniqueConstraintViolationException } from '@mikro-orm/core';
import { isUniqueViolation } from './sql-client';
import type { z } from 'zod';
import { DomainError } from './domain-error';

/** Parses `input` with a shared rule; a violation is BAD_USER_INPUT naming the field, never a 500. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.infer<S> {
  assertStorableText(input);
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = issue.path.join('.') || undefined;
  throw new DomainError('BAD_USER_INPUT', field ? `${field}: ${issue.message}` : issue.message, {
    field,
    problems: result.error.issues.map((i) => ({ field: i.path.join('.'), message: i.message })),
  });
}

/** Runs `work`, turning a unique-index violation into CONFLICT with `message`. */
export async function conflictOnDuplicate<T>(work: () => Promise<T>, message: string): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof UniqueConstraintViolationException || isUniqueViolation(error)) throw new DomainError('CONFLICT', message);
    throw error;
  }
}

/** Drops null and undefined members: GraphQL sends null for "not given" (and strict rules refuse unknown keys). */
export function stripNulls<T extends object>(value: T): { [K in keyof T]: Exclude<T[K], null> } {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null && v !== undefined)) as never;
}

/**
 * A UTF-16 surrogate without its other half. JSON text can carry one as an escape ("\udebe"), but it is no
 * Unicode character: PostgreSQL's jsonb refuses it, so an event recording it would fail its transaction.
 */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const LONE_SURROGATES = new RegExp(LONE_SURROGATE.source, 'g');

/** The text with every U+0000 and lone surrogate replaced by U+FFFD: for logging what a client sent. */
export function storableText(text: string): string {
  return text.replaceAll('\u0000', '\uFFFD').replace(LONE_SURROGATES, '\uFFFD');
}

/**
 * PostgreSQL cannot store U+0000 in text or jsonb, nor a lone surrogate in jsonb; input holding either is
 * refused as bad input here, once for every rule, rather than failing in the database.
 */
export function assertStorableText(input: unknown, path = ''): void {
  if (typeof input === 'string') {
    if (input.includes('\u0000')) throw new DomainError('BAD_USER_INPUT', `${path || 'input'}: must not contain NUL characters`, { field: path || undefined });
    if (LONE_SURROGATE.test(input)) throw new DomainError('BAD_USER_INPUT', `${path || 'input'}: must be valid Unicode (it holds a lone UTF-16 surrogate)`, { field: path || undefined });
    return;
  }
  if (Array.isArray(input)) {
    input.forEach((item, i) => assertStorableText(item, `${path}[${i}]`));
    return;
  }
  if (input !== null && typeof input === 'object' && !(input instanceof Date)) {
    for (const [key, value] of Object.entries(input)) {
      assertStorableText(key, path);
      assertStorableText(value, path ? `${path}.${key}` : key);
    }
  }
}
