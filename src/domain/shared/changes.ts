import type { AttributeChange } from '../events/provisioning-event.entity';

const SECRET_ATTRIBUTE = /password|secret|token|key|hash/i;
const REDACTED = '[redacted]';

/** A copy of `value` in which every member whose name looks secret, at any depth, is redacted. */
export function redactSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactSecrets);
  if (value === null || typeof value !== 'object' || value instanceof Date) return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, inner]) => [key, SECRET_ATTRIBUTE.test(key) ? REDACTED : redactSecrets(inner)]),
  );
}

/** Old → new for each listed attribute that changed; secret-looking attributes are redacted. */
export function diffAttributes<T extends object>(before: T | null, after: T, attributes: (keyof T & string)[]): AttributeChange[] {
  const changes: AttributeChange[] = [];
  for (const attribute of attributes) {
    const old = before ? before[attribute] : null;
    const now = after[attribute];
    if (sameValue(old ?? null, now ?? null)) continue;
    changes.push(
      SECRET_ATTRIBUTE.test(attribute)
        ? { attribute, old: REDACTED, new: REDACTED }
        : { attribute, old: redactSecrets(old ?? null), new: redactSecrets(now ?? null) },
    );
  }
  return changes;
}

/** Deep equality that ignores the order of object members (jsonb hands them back in its own order). */
export function sameValue(a: unknown, b: unknown): boolean {
  return canonicalJson(a) === canonicalJson(b);
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}
