import type { AttributeChange } from '../events/provisioning-event.entity';

const SECRET_ATTRIBUTE = /password|secret|token|key|hash/i;
const REDACTED = '[redacted]';
const QUOTED = /"(?:[^"\\]|\\.)*"?/g;

/** Whether an attribute name or path (`password`, `urn:…:User:password`) names a secret; quoted filter values aside. */
export function namesSecret(nameOrPath: string): boolean {
  return SECRET_ATTRIBUTE.test(nameOrPath.replace(QUOTED, ''));
}

/**
 * A copy of `value` in which every member whose name looks secret, at any depth, is redacted, and so is the
 * `value` of any object whose `path` names a secret (a PATCH operation `{ "path": "password", "value": … }`).
 * Member names are matched in any case, as SCIM clients send them. `onRedacted` sees each value taken out,
 * so a caller can scrub it from text it built from the same input (an error message).
 */
export function redactSecrets(value: unknown, onRedacted: (removed: unknown) => void = () => {}): unknown {
  if (Array.isArray(value)) return value.map((item) => redactSecrets(item, onRedacted));
  if (value === null || typeof value !== 'object' || value instanceof Date) return value;
  const entries = Object.entries(value);
  const pathIsSecret = entries.some(([key, inner]) => key.toLowerCase() === 'path' && typeof inner === 'string' && namesSecret(inner));
  return Object.fromEntries(
    entries.map(([key, inner]) => {
      if (SECRET_ATTRIBUTE.test(key) || (pathIsSecret && key.toLowerCase() === 'value')) {
        onRedacted(inner);
        return [key, REDACTED];
      }
      return [key, redactSecrets(inner, onRedacted)];
    }),
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
  const x = a ?? null;
  const y = b ?? null;
  if (x === y) return true;
  // Only objects need their canonical text (every attribute of every change is compared): null is never an
  // object's, and two primitives are the same when they write the same JSON.
  const objects = (x !== null && typeof x === 'object' ? 1 : 0) + (y !== null && typeof y === 'object' ? 1 : 0);
  if (objects === 0) return JSON.stringify(x) === JSON.stringify(y);
  if (objects === 1 && (x === null || y === null)) return false;
  return canonicalJson(x) === canonicalJson(y);
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
