import type { Client } from 'graphql-ws';
import { gql, wsAuthorization } from './api';
import {
  ConsoleLatestEventDocument,
  ConsoleLiveEventsDocument,
  type ConsoleLiveEventsSubscription,
  type ConsoleLiveEventsSubscriptionVariables,
} from '../generated/graphql';

export type LiveEvent = ConsoleLiveEventsSubscription['provisioningEvents'];
export type LiveStatus = 'connecting' | 'live' | 'reconnecting' | 'refused';

let client: Promise<Client> | null = null;

/** One graphql-ws connection for the whole console, loaded only when a screen goes live. */
function liveClient(): Promise<Client> {
  client ??= import('graphql-ws').then(({ createClient }) =>
    createClient({
      url: `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/graphql`,
      connectionParams: () => wsAuthorization(),
      lazy: true,
      lazyCloseTimeout: 2_000,
      // Resubscribing is ours: each subscription resumes after the last event it received (see below).
      retryAttempts: 0,
      keepAlive: 10_000,
    }),
  );
  return client;
}

/** Closes the connection (sign-out): the next subscription opens one with the new credentials. */
export function closeLive() {
  const current = client;
  client = null;
  void current?.then((c) => c.dispose());
}

/**
 * The provisioning events after `after`, then live, for as long as the returned function is not called. When
 * the connection drops it reconnects (with a growing pause) and resumes after the last event it delivered, so
 * nothing is missed and nothing comes twice.
 */
export function watchEvents(
  variables: Omit<ConsoleLiveEventsSubscriptionVariables, 'after'> & { after?: string | null },
  onEvent: (event: LiveEvent) => void,
  onStatus: (status: LiveStatus, message?: string) => void,
): () => void {
  let after = variables.after ?? null;
  let stopped = false;
  let unsubscribe: (() => void) | null = null;
  let attempt = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const seen = new Set<string>();

  const start = async () => {
    if (stopped) return;
    onStatus(attempt === 0 ? 'connecting' : 'reconnecting');
    const c = await liveClient();
    if (stopped) return;
    let delivered = false;
    const retry = (message?: string) => {
      unsubscribe = null;
      if (stopped) return;
      attempt += 1;
      onStatus('reconnecting', message);
      timer = setTimeout(start, Math.min(500 * 2 ** Math.min(attempt - 1, 5), 10_000));
    };
    unsubscribe = c.subscribe<ConsoleLiveEventsSubscription>(
      { query: ConsoleLiveEventsDocument.toString(), variables: { ...variables, after } },
      {
        next: (result) => {
          if (result.errors?.length) return;
          const event = result.data?.provisioningEvents;
          if (!event) return;
          if (!delivered) {
            delivered = true;
            attempt = 0;
          }
          after = event.cursor;
          if (seen.has(event.id)) return;
          seen.add(event.id);
          if (seen.size > 5_000) seen.clear();
          onEvent(event);
        },
        error: (error) => {
          const refused = Array.isArray(error) ? error : null;
          if (refused?.length) {
            stopped = true;
            onStatus('refused', refused.map((e: { message: string }) => e.message).join('; '));
            return;
          }
          const close = error as { code?: number; reason?: string };
          if (close?.code === 4401 || close?.code === 4403) {
            stopped = true;
            onStatus('refused', close.reason || 'The live feed refused these credentials.');
            return;
          }
          retry(close?.reason || (error as Error)?.message);
        },
        complete: () => retry(),
      },
    );
    // graphql-ws reports "connected" per socket; a subscription is live once sent.
    onStatus('live');
  };
  void start();
  return () => {
    stopped = true;
    clearTimeout(timer);
    unsubscribe?.();
  };
}

/**
 * For a screen that read something other than the log (Users): the events after the newest one stored now, then
 * live, as `watchEvents`. `onStarted` is called once that position is known and the feed asked for, for the screen to
 * read its page again: what committed between its first read and that position shows then, and what committed after
 * it comes from the feed. Started at "now", the feed missed whatever committed while it was connecting.
 */
export function watchEventsFromLatest(
  variables: Omit<ConsoleLiveEventsSubscriptionVariables, 'after'>,
  onEvent: (event: LiveEvent) => void,
  onStatus: (status: LiveStatus, message?: string) => void,
  onStarted: () => void,
): () => void {
  let stopped = false;
  let stop: (() => void) | undefined;
  const follow = (after: string | null) => {
    if (stopped) return;
    stop = watchEvents({ ...variables, after }, onEvent, onStatus);
    onStarted();
  };
  gql(ConsoleLatestEventDocument, { tenant: variables.tenant }).then(
    (answer) => follow(answer.latest.edges[0]?.node.cursor ?? null),
    // Without the position (the read failed), live from now, as before.
    () => follow(null),
  );
  return () => {
    stopped = true;
    stop?.();
  };
}
