/** How much of a refused request is worth copying for the provisioning log, which keeps 8 kB of it anyway. */
const MAX_NODES = 400;
const MAX_STRING = 1024;

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
    const entries = Object.entries(current);
    for (const [index, [key, inner]] of entries.entries()) {
      if (budget <= 0) {
        kept['…'] = `[${entries.length - index} more members not kept]`;
        break;
      }
      kept[key.length > MAX_STRING ? `${key.slice(0, MAX_STRING)}…` : key] = copy(inner);
    }
    return kept;
  };
  return copy(value);
}
