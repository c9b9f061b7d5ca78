import { createSourceEventStream, execute, print, visit, type ExecutionArgs, type ExecutionResult } from 'graphql';

type Awaitable<T> = T | Promise<T>;

/**
 * What makes the result of a subscription payload the same for several subscribers: the object they all receive
 * (`on`) and what else the result depends on (`variant`, given which fields the operation selects). Null for a
 * payload whose result must be computed for its subscriber alone.
 */
export type SharedPayload = (payload: unknown, selects: (fieldName: string) => boolean) => { on: object; variant: string } | null;

/**
 * graphql-ws's `subscribe`: graphql's own, except that a payload several subscriptions receive (a live event
 * offered to every subscriber of its tenant) is executed once per distinct request (the same operation text,
 * operation name and variables) and variant, and that result goes to each of them; graphql executes the
 * selection set anew for every subscriber. The results are kept as long as the payload object lives.
 */
export function subscribeSharingResults(sharedPayload: SharedPayload): (args: ExecutionArgs) => Promise<AsyncIterableIterator<ExecutionResult> | ExecutionResult> {
  /** By payload, then request, then variant. */
  const results = new WeakMap<object, Map<string, Map<string, Awaitable<ExecutionResult>>>>();
  return async (args) => {
    const stream = await createSourceEventStream(args);
    if (!(Symbol.asyncIterator in stream)) return stream;
    // Once per subscription: what identifies its request, and the fields it selects.
    // One string per subscription, looked up for each of its payloads (its hash is computed once).
    const request = JSON.stringify([print(args.document), args.operationName ?? null, args.variableValues ?? null]);
    const fields = new Set<string>();
    visit(args.document, { Field: (node) => void fields.add(node.name.value) });
    const selects = (fieldName: string) => fields.has(fieldName);
    const resultOf = (payload: unknown): Awaitable<ExecutionResult> => {
      const shared = sharedPayload(payload, selects);
      if (!shared) return execute({ ...args, rootValue: payload });
      let ofPayload = results.get(shared.on);
      if (!ofPayload) results.set(shared.on, (ofPayload = new Map()));
      let ofRequest = ofPayload.get(request);
      if (!ofRequest) ofPayload.set(request, (ofRequest = new Map()));
      let result = ofRequest.get(shared.variant);
      if (!result) ofRequest.set(shared.variant, (result = execute({ ...args, rootValue: payload })));
      return result;
    };
    return mapped(stream[Symbol.asyncIterator](), resultOf);
  };
}

/** `source` with each value mapped; ending it (`return`) ends the source, as graphql's own mapping does. */
function mapped<T, U>(source: AsyncIterator<T>, map: (value: T) => Awaitable<U>): AsyncIterableIterator<U> {
  const end = async (): Promise<IteratorResult<U>> => {
    await source.return?.();
    return { done: true, value: undefined };
  };
  const iterator: AsyncIterableIterator<U> = {
    async next() {
      const result = await source.next();
      if (result.done) return { done: true, value: undefined };
      try {
        // Most values map synchronously (a shared result already computed): no await for them.
        const value = map(result.value);
        return { done: false, value: value instanceof Promise ? await value : value };
      } catch (error) {
        await end();
        throw error;
      }
    },
    return: end,
    async throw(error: unknown) {
      if (source.throw) {
        const result = await source.throw(error);
        return result.done ? { done: true, value: undefined } : { done: false, value: await map(result.value) };
      }
      await end();
      throw error;
    },
    [Symbol.asyncIterator]: () => iterator,
  };
  return iterator;
}
