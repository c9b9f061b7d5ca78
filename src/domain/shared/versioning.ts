import { DomainError } from './domain-error';

/** Optimistic concurrency: the version the caller last saw (from an ETag), if it sent one. */
export interface WriteCondition {
  ifVersion?: number;
}

export function checkVersion(entity: { version: number }, condition: WriteCondition): void {
  if (condition.ifVersion !== undefined && condition.ifVersion !== entity.version) {
    throw new DomainError('PRECONDITION_FAILED', 'The resource changed since it was read', {
      expected: condition.ifVersion,
      actual: entity.version,
    });
  }
}
