import { randomBytes } from 'node:crypto';
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
  /**
   * The connection commits go through (the app's pool): once listening, the listener sends a notification
   * through it and checks that it hears it, and warns when it does not (a LISTEN through a transaction pooler,
   * or on another database than the one written to).
   */
  writer?: { execute(sql: string, params: unknown[]): Promise<unknown> };
  /** How long the listener waits to hear its own notification. */
  probeTimeoutMs?: number;
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
  /** The notification the listener waits to hear, while it checks that it hears commits. */
  let probe: { payload: string; heard: () => void } | undefined;

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
      if (message.channel !== EVENTS_CHANNEL) return;
      if (message.payload && message.payload === probe?.payload) probe.heard();
      options.onNotify();
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
      return;
    }
    if (options.writer) void checkHeard(options.writer, current);
  };

  const checkHeard = async (writer: NonNullable<EventListenerOptions['writer']>, listening: pg.Client) => {
    const payload = `probe ${randomBytes(8).toString('hex')}`;
    let timer: NodeJS.Timeout | undefined;
    const heard = new Promise<boolean>((resolve) => {
      probe = { payload, heard: () => resolve(true) };
      timer = setTimeout(() => resolve(false), options.probeTimeoutMs ?? 5_000);
      timer.unref();
    });
    try {
      await writer.execute('select pg_notify(?, ?)', [EVENTS_CHANNEL, payload]);
      const ok = await heard;
      if (!ok && !stopped && client === listening) {
        options.logger.warn(
          { channel: EVENTS_CHANNEL },
          'the live feed\'s LISTEN connection did not hear a notification sent through DATABASE_URL: events reach subscribers only ' +
            'on the once-a-second poll. Behind a transaction-pooling PgBouncer, set PORTICO_LISTEN_DATABASE_URL to a direct connection ' +
            'to the same database',
        );
      }
    } catch (error) {
      options.logger.debug({ err: error }, 'could not check that the LISTEN connection hears notifications');
    } finally {
      clearTimeout(timer);
      if (probe?.payload === payload) probe = undefined;
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
