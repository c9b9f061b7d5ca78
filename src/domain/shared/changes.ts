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

/**
 * Deep equality that ignores the order of object members (jsonb hands them back in its own order): whether both
 * sides write the same canonical JSON (members sorted, undefined members left out, a Date as its ISO text), found
 * by walking both at once instead of writing either (every attribute of every change is compared).
 */
export function sameValue(a: unknown, b: unknown): boolean {
  return sameJson(a ?? null, b ?? null);
}

const hasOwn = (object: object, key: string) => Object.prototype.hasOwnProperty.call(object, key);

/** What JSON writes for a primitive, as a value: null for undefined and non-finite numbers, a Date's ISO text. */
function asJsonAtom(value: unknown): unknown {
  if (value === undefined || (typeof value === 'number' && !Number.isFinite(value))) return null;
  return value instanceof Date ? value.toISOString() : value;
}

function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  const x = asJsonAtom(a);
  const y = asJsonAtom(b);
  if (x === y) return true;
  if (x === null || y === null || typeof x !== 'object' || typeof y !== 'object') return false;
  if (Array.isArray(x) || Array.isArray(y)) {
    if (!Array.isArray(x) || !Array.isArray(y) || x.length !== y.length) return false;
    for (let i = 0; i < x.length; i += 1) if (!sameJson(x[i], y[i])) return false;
    return true;
  }
  const left = x as Record<string, unknown>;
  const right = y as Record<string, unknown>;
  let members = 0;
  for (const key in left) {
    if (!hasOwn(left, key) || left[key] === undefined) continue;
    if (!hasOwn(right, key) || right[key] === undefined || !sameJson(left[key], right[key])) return false;
    members += 1;
  }
  for (const key in right) if (hasOwn(right, key) && right[key] !== undefined) members -= 1;
  return members === 0;
}
