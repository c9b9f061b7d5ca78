import { GraphQLObjectType, GraphQLSchema, GraphQLString, parse, type ExecutionResult } from 'graphql';
import { describe, expect, it } from 'vitest';
import { subscribeSharingResults } from '../../src/graphql/shared-subscription-results';

interface Payload {
  event: { name: string };
  cursor: string;
}

/** A schema whose subscription yields `payloads` and counts how often its event is resolved. */
function schemaOf(payloads: Payload[], counter: { resolved: number }) {
  const Event = new GraphQLObjectType({
    name: 'Event',
    fields: {
      name: { type: GraphQLString, resolve: (p: Payload) => ((counter.resolved += 1), p.event.name) },
      cursor: { type: GraphQLString, resolve: (p: Payload) => p.cursor },
    },
  });
  return new GraphQLSchema({
    query: new GraphQLObjectType({ name: 'Query', fields: { noop: { type: GraphQLString } } }),
    subscription: new GraphQLObjectType({
      name: 'Subscription',
      fields: {
        events: {
          type: Event,
          args: { tag: { type: GraphQLString } },
          subscribe: async function* () {
            yield* payloads;
          },
          resolve: (payload: Payload) => payload,
        },
      },
    }),
  });
}

const shareByEvent = (payload: unknown, selects: (field: string) => boolean) => {
  const p = payload as Payload;
  return { on: p.event, variant: selects('cursor') ? p.cursor : '' };
};

async function collect(subscribe: ReturnType<typeof subscribeSharingResults>, schema: GraphQLSchema, query: string, variables?: Record<string, unknown>) {
  const stream = (await subscribe({ schema, document: parse(query), variableValues: variables })) as AsyncIterableIterator<ExecutionResult>;
  const results: ExecutionResult[] = [];
  for await (const result of stream) results.push(result);
  return results;
}

describe('subscription results shared between subscribers', () => {
  it('executes a payload once for subscribers with the same request, each getting the same result', async () => {
    const event = { name: 'created' };
    const counter = { resolved: 0 };
    const schema = schemaOf([{ event, cursor: 'a' }], counter);
    const subscribe = subscribeSharingResults(shareByEvent);
    const first = await collect(subscribe, schema, 'subscription { events { name } }');
    const second = await collect(subscribe, schema, 'subscription { events { name } }');
    expect(first).toEqual([{ data: { events: { name: 'created' } } }]);
    expect(second).toEqual(first);
    expect(counter.resolved).toBe(1);
  });

  it('executes again for another request, other variables, or a selected field that differs per subscriber', async () => {
    const event = { name: 'created' };
    const counter = { resolved: 0 };
    const subscribe = subscribeSharingResults(shareByEvent);
    await collect(subscribe, schemaOf([{ event, cursor: 'a' }], counter), 'subscription { events { name } }');
    await collect(subscribe, schemaOf([{ event, cursor: 'a' }], counter), 'subscription($t: String) { events(tag: $t) { name } }', { t: 'x' });
    await collect(subscribe, schemaOf([{ event, cursor: 'a' }], counter), 'subscription($t: String) { events(tag: $t) { name } }', { t: 'y' });
    expect(counter.resolved).toBe(3);
    const withCursor = 'subscription { events { name cursor } }';
    const a = await collect(subscribe, schemaOf([{ event, cursor: 'a' }], counter), withCursor);
    const b = await collect(subscribe, schemaOf([{ event, cursor: 'b' }], counter), withCursor);
    expect([a[0].data, b[0].data]).toEqual([{ events: { name: 'created', cursor: 'a' } }, { events: { name: 'created', cursor: 'b' } }]);
    expect(counter.resolved).toBe(5);
  });

  it('executes a payload that is not shared for its subscriber alone', async () => {
    const counter = { resolved: 0 };
    const schema = schemaOf([{ event: { name: 'x' }, cursor: 'a' }], counter);
    const subscribe = subscribeSharingResults(() => null);
    await collect(subscribe, schema, 'subscription { events { name } }');
    await collect(subscribe, schema, 'subscription { events { name } }');
    expect(counter.resolved).toBe(2);
  });

  it('ending the stream ends the source', async () => {
    let ended = false;
    const schema = new GraphQLSchema({
      query: new GraphQLObjectType({ name: 'Query', fields: { noop: { type: GraphQLString } } }),
      subscription: new GraphQLObjectType({
        name: 'Subscription',
        fields: {
          tick: {
            type: GraphQLString,
            subscribe: () => ({
              [Symbol.asyncIterator]() {
                return this;
              },
              next: () => new Promise<IteratorResult<string>>(() => {}),
              return: async () => {
                ended = true;
                return { done: true, value: undefined };
              },
            }),
          },
        },
      }),
    });
    const stream = (await subscribeSharingResults(() => null)({ schema, document: parse('subscription { tick }') })) as AsyncIterableIterator<ExecutionResult>;
    await stream.return!();
    expect(ended).toBe(true);
  });
});
