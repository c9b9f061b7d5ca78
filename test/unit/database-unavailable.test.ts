import { describe, expect, it } from 'vitest';
import { asUnavailable, unavailableReason } from '../../src/db/unavailable';
import { DomainError } from '../../src/domain/shared/domain-error';

const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });

describe('database-unavailable errors', () => {
  it('recognises what pg, knex and PostgreSQL say when the database is away or the pool is full', () => {
    expect(unavailableReason(new Error('Knex: Timeout acquiring a connection. The pool is probably full.'))).toBe('acquire_timeout');
    expect(unavailableReason(withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED'))).toBe('connection');
    expect(unavailableReason(withCode('terminating connection due to administrator command', '57P01'))).toBe('connection');
    expect(unavailableReason(withCode('the database system is starting up', '57P03'))).toBe('connection');
    expect(unavailableReason(new Error('select 1 - Connection terminated unexpectedly'))).toBe('connection');
    expect(unavailableReason(new AggregateError([withCode('connect ECONNREFUSED ::1:5432', 'ECONNREFUSED')]))).toBe('connection');
    expect(unavailableReason(new Error('query failed', { cause: withCode('read ECONNRESET', 'ECONNRESET') }))).toBe('connection');
  });

  it('leaves every other error alone', () => {
    expect(unavailableReason(withCode('duplicate key value violates unique constraint', '23505'))).toBeUndefined();
    expect(unavailableReason(withCode("ENOENT: no such file or directory, open 'x.json'", 'ENOENT'))).toBeUndefined();
    expect(unavailableReason(new Error('boom'))).toBeUndefined();
    expect(unavailableReason(undefined)).toBeUndefined();
    expect(asUnavailable(new DomainError('NOT_FOUND', 'User not found'))).toBeUndefined();
  });

  it('becomes one DomainError UNAVAILABLE that tells the edges how long to ask clients to wait', () => {
    const error = asUnavailable(withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED'));
    expect(error).toBeInstanceOf(DomainError);
    expect(error).toMatchObject({ code: 'UNAVAILABLE', details: { retryAfterSeconds: 5 } });
    expect(error!.message).not.toContain('127.0.0.1');
  });
});
