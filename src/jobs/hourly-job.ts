import type { Logger } from '../http/logger';

export const HOUR_MS = 3600 * 1000;

/**
 * Runs `pass` once an hour, the first time a minute after start, never two passes at once in this process;
 * a failed pass is logged (`failure` says what failed) and the next one comes an hour later. Several
 * processes may run the same job: each pass must be safe to run concurrently. Returns a function that stops it.
 */
export function startHourlyJob(logger: Logger, failure: string, pass: () => Promise<unknown>): () => void {
  let running = false;
  const guarded = async () => {
    if (running) return;
    running = true;
    try {
      await pass();
    } catch (error) {
      logger.warn({ err: error }, `${failure}; next pass in an hour`);
    } finally {
      running = false;
    }
  };
  const first = setTimeout(() => void guarded(), 60_000);
  const timer = setInterval(() => void guarded(), HOUR_MS);
  first.unref();
  timer.unref();
  return () => {
    clearTimeout(first);
    clearInterval(timer);
  };
}
