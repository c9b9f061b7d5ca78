import pg from 'pg';
import type { Logger } from '../http/logger';

/** The channel the provisioning_events trigger rings on every commit that wrote events. */
export const EVENTS_CHANNEL = 'portico_events';

export interface EventListenerOptions {
  connectionString: string;
  /** Unix socket directory of the embedded server, when there is one. */
  socketDir?: string;
  /** A commit wrote events. */
  onNotify: () => void;
  /** (Re)connected and listening: whatever was committed while away must be read now. */
  onListening: () => void;
  logger: Logger;
}

/**
 * The one dedicated LISTEN connection of a process. When the database goes away (restart, failover, network),
 * it reconnects with backoff, listens again, and reports it, so the feed backfills from its last position:
 * notifications sent during the outage are lost, the events are not.
 */
export function startEventListener(options: EventListenerOptions): { stop(): Promise<void> } {
  let stopped = false;
  let client: pg.Client | null = null;
  let retryTimer: NodeJS.Timeout | null = null;
  let delayMs = 100;

  const scheduleReconnect = () => {
    if (stopped || retryTimer) return;
    retryTimer = setTimeout(() => {
      retryTimer = null;
      void connect();
    }, delayMs);
    delayMs = Math.min(delayMs * 2, 2_000);
  };

  const connect = async () => {
    // keepAlive: a half-open connection (a dropped network path) is noticed and replaced.
    const current = new pg.Client({ connectionString: options.connectionString, keepAlive: true, ...(options.socketDir && { host: options.socketDir }) });
    client = current;
    current.on('notification', (message) => {
      if (message.channel === EVENTS_CHANNEL) options.onNotify();
    });
    const lost = (error?: Error) => {
      if (client !== current) return;
      client = null;
      current.removeAllListeners('notification');
      current.end().catch(() => {});
      if (!stopped) {
        options.logger.warn({ err: error }, 'event listener lost its database connection; reconnecting');
        scheduleReconnect();
      }
    };
    current.on('error', lost);
    current.on('end', () => lost());
    try {
      await current.connect();
      await current.query(`listen ${EVENTS_CHANNEL}`);
      if (stopped) {
        await current.end();
        return;
      }
      delayMs = 100;
      options.onListening();
    } catch (error) {
      lost(error as Error);
    }
  };

  void connect();
  return {
    stop: async () => {
      stopped = true;
      if (retryTimer) clearTimeout(retryTimer);
      const current = client;
      client = null;
      await current?.end().catch(() => {});
    },
  };
}
