/** How much of a refused request is worth copying for the provisioning log, which keeps 8 kB of it anyway. */
const MAX_NODES = 400;
const MAX_STRING = 1024;
const NOT_KEPT = '[not kept]';
/** Members that say what a PATCH operation's value is (and so whether it is secret). */
const NAMING_MEMBERS = new Set(['op', 'path', 'schemas']);

/**
 * A copy of a parsed body with at most `MAX_NODES` values and strings cut to `MAX_STRING` characters; what is
 * left out is counted in a marker. Redacting and storing a refused 1 MB body then costs what storing 8 kB does,
 * instead of a copy of 50,000 objects made on the event loop every other request waits on. The body's depth
 * was bounded by the parser's check before this runs.
 */
export function boundedCopy(value: unknown): unknown {
  let budget = MAX_NODES;
  const copy = (current: unknown): unknown => {
    budget -= 1;
    if (typeof current === 'string') return current.length > MAX_STRING ? `${current.slice(0, MAX_STRING)}…` : current;
    if (current === null || typeof current !== 'object') return current;
    if (Array.isArray(current)) {
      const kept: unknown[] = [];
      for (const item of current) {
        if (budget <= 0) {
          kept.push(`[${current.length - kept.length} more not kept]`);
          break;
        }
        kept.push(copy(item));
      }
      return kept;
    }
    const kept: Record<string, unknown> = {};
    // What names a secret comes first, so redaction after the cut still sees it beside the value it guards.
    const entries = Object.entries(current).sort(([a], [b]) => Number(NAMING_MEMBERS.has(b.toLowerCase())) - Number(NAMING_MEMBERS.has(a.toLowerCase())));
    const path = entries.find(([key]) => key.toLowerCase() === 'path')?.[1];
    const pathCut = typeof path === 'string' && path.length > MAX_STRING;
    for (const [index, [key, inner]] of entries.entries()) {
      if (budget <= 0) {
        kept['…'] = `[${entries.length - index} more members not kept]`;
        break;
      }
      // A name cut short, or a value whose path was cut short, could no longer be told to be secret.
      if (key.length > MAX_STRING) kept[`${key.slice(0, MAX_STRING)}…`] = NOT_KEPT;
      else if (pathCut && key.toLowerCase() === 'value') kept[key] = NOT_KEPT;
      else kept[key] = copy(inner);
    }
    return kept;
  };
  return copy(value);
}
