import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';

export interface ReceivedEvent {
  id: string;
  cursor: string;
  type: string;
  subjectId: string | null;
  summary: string;
}

export interface EventStream {
  events: ReceivedEvent[];
  errors: unknown[];
  completed: boolean;
  /** Resolves once `count` events arrived (rejects after `timeoutMs`). */
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedEvent[]>;
  /** Resolves once the stream ended with an error or completed. */
  ended(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

const EVENTS_SUBSCRIPTION = `subscription($tenant: String, $types: [ProvisioningEventType!], $after: String) {
  provisioningEvents(tenant: $tenant, types: $types, after: $after) { id cursor type subjectId summary }
}`;

/** A graphql-ws client for `origin`/graphql, authenticated like a frontend (connectionParams or cookie). */
export function wsClient(origin: string, auth: { token?: string; cookie?: string }): Client {
  return createClient({
    url: `${origin.replace(/^http/, 'ws')}/graphql`,
    webSocketImpl: auth.cookie
      ? class extends WebSocket {
          constructor(address: string, protocols?: string | string[]) {
            super(address, protocols, { headers: { cookie: auth.cookie! } });
          }
        }
      : WebSocket,
    connectionParams: auth.token ? { authorization: `Bearer ${auth.token}` } : undefined,
    retryAttempts: 0,
    lazy: true,
  });
}

/** Subscribes to provisioningEvents and collects what arrives. */
export function subscribeEvents(client: Client, variables: { tenant?: string; types?: string[]; after?: string } = {}): EventStream {
  const events: ReceivedEvent[] = [];
  const errors: unknown[] = [];
  const waiters: (() => void)[] = [];
  const changed = () => waiters.splice(0).forEach((wake) => wake());
  const stream: EventStream = {
    events,
    errors,
    completed: false,
    waitFor: (count, timeoutMs = 10_000) =>
      new Promise((resolve, reject) => {
        const deadline = setTimeout(() => reject(new Error(`got ${events.length} of ${count} events; errors: ${JSON.stringify(errors)}`)), timeoutMs);
        const check = () => {
          if (events.length >= count) {
            clearTimeout(deadline);
            resolve(events.slice(0, count));
          } else if (stream.completed || errors.length > 0) {
            clearTimeout(deadline);
            reject(new Error(`the stream ended after ${events.length} of ${count} events; errors: ${JSON.stringify(errors)}`));
          } else waiters.push(check);
        };
        check();
      }),
    ended: (timeoutMs = 10_000) =>
      new Promise((resolve, reject) => {
        const deadline = setTimeout(() => reject(new Error('the stream did not end')), timeoutMs);
        const check = () => {
          if (stream.completed || errors.length > 0) {
            clearTimeout(deadline);
            resolve();
          } else waiters.push(check);
        };
        check();
      }),
    close: async () => {
      unsubscribe();
    },
  };
  const unsubscribe = client.subscribe<{ provisioningEvents: ReceivedEvent }>(
    { query: EVENTS_SUBSCRIPTION, variables },
    {
      next: (result) => {
        if (result.errors) errors.push(...result.errors);
        if (result.data?.provisioningEvents) events.push(result.data.provisioningEvents);
        changed();
      },
      error: (error) => {
        errors.push(error);
        changed();
      },
      complete: () => {
        stream.completed = true;
        changed();
      },
    },
  );
  return stream;
}
