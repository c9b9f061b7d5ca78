/**
 * Runs `call` with a signal that aborts when `parent` does or after `ms` (with a `TimeoutError`, as
 * `AbortSignal.timeout` would). The timer is held until the call ends: on Node 20 a signal made by
 * `AbortSignal.any([parent, AbortSignal.timeout(ms)])` can be collected with its timer and then never fire.
 */
export async function withDeadline<T>(parent: AbortSignal | undefined, ms: number, call: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const onParentAbort = () => controller.abort(parent?.reason);
  if (parent?.aborted) onParentAbort();
  else parent?.addEventListener('abort', onParentAbort, { once: true });
  const timer = setTimeout(() => controller.abort(new DOMException(`No answer within ${ms} ms`, 'TimeoutError')), ms);
  try {
    return await call(controller.signal);
  } finally {
    clearTimeout(timer);
    parent?.removeEventListener('abort', onParentAbort);
  }
}
