import { UniqueConstraintViolationException } from '@mikro-orm/core';
import type { z } from 'zod';
import { DomainError } from './domain-error';

/** Parses `input` with a shared rule; a violation is BAD_USER_INPUT naming the field, never a 500. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.infer<S> {
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
    if (error instanceof UniqueConstraintViolationException) throw new DomainError('CONFLICT', message);
    throw error;
  }
}

/** Drops null members: GraphQL sends null for "not given". */
export function stripNulls<T extends object>(value: T): { [K in keyof T]: Exclude<T[K], null> } {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null)) as never;
}
