import type { AttributeChange } from '../events/provisioning-event.entity';

const SECRET_ATTRIBUTE = /password|secret|token|key|hash/i;

/** Old → new for each listed attribute that changed; secret-looking attributes are redacted. */
export function diffAttributes<T extends object>(before: T | null, after: T, attributes: (keyof T & string)[]): AttributeChange[] {
  const changes: AttributeChange[] = [];
  for (const attribute of attributes) {
    const old = before ? before[attribute] : null;
    const now = after[attribute];
    if (JSON.stringify(old ?? null) === JSON.stringify(now ?? null)) continue;
    changes.push(
      SECRET_ATTRIBUTE.test(attribute)
        ? { attribute, old: '[redacted]', new: '[redacted]' }
        : { attribute, old: old ?? null, new: now ?? null },
    );
  }
  return changes;
}
