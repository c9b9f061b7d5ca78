import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTenant, errorCodes, startTestPortico, type TestPortico } from '../../helpers/portico';
import { wsClient } from '../../helpers/ws';

/** Issue 11, finding 4: unpaged lists are costed at their real maximum, so one document cannot fan out. */
describe('GraphQL cost of unpaged lists', () => {
  let portico: TestPortico;
  let viewerKey: string;

  beforeAll(async () => {
    portico = await startTestPortico();
    const scope = await createTenant(portico, 'acme');
    await portico.services.teams.create(scope, 'Engineering');
    viewerKey = (await portico.services.credentials.createApiKey(scope, { name: 'dashboard', level: 'VIEWER' })).token;
  });
  afterAll(async () => {
    await portico?.stop();
  });

  it('a VIEWER document that would start ~100,000 reads (teams × members × aliased groups) is QUERY_TOO_COMPLEX before any resolver runs', async () => {
    // Up to 1,000 teams × 20 members × 5 aliased `groups`, one query each: 101,001 reads.
    const aliased = [1, 2, 3, 4, 5].map((n) => `g${n}: groups { id displayName }`).join(' ');
    const query = `{ teams { members(first: 20) { edges { node { user { ${aliased} } } } } } }`;
    const teamsListed = vi.spyOn(portico.services.teams, 'list');
    const groupsRead = vi.spyOn(portico.services.users, 'groupsOf');
    try {
      const result = await portico.rawGql({ query }, { token: viewerKey });
      expect(errorCodes(result)).toEqual(['QUERY_TOO_COMPLEX']);
      expect(result.errors?.[0].message).toBe('Query would start 101001 database reads; at most 500 are allowed');
      expect(result.data ?? null).toBeNull();
      expect(teamsListed).not.toHaveBeenCalled();
      expect(groupsRead).not.toHaveBeenCalled();
    } finally {
      teamsListed.mockRestore();
      groupsRead.mockRestore();
    }
  });

  it('the same field aliased 1,000 times at the root is refused; a handful of aliases is fine', async () => {
    const aliases = (count: number) => Array.from({ length: count }, (_, n) => `t${n}: teams { id name }`).join(' ');
    const tooMany = await portico.rawGql({ query: `{ ${aliases(1000)} }` }, { token: viewerKey });
    expect(errorCodes(tooMany)).toEqual(['QUERY_TOO_COMPLEX']);
    const few = await portico.rawGql({ query: `{ ${aliases(3)} }` }, { token: viewerKey });
    expect(errorCodes(few)).toEqual([]);
    expect((few.data as Record<string, { name: string }[]>).t2).toEqual([expect.objectContaining({ name: 'Engineering' })]);
  });

  it('the explanation lists of permission mappings are costed at their maximum: aliasing them is refused', async () => {
    const aliased = Array.from({ length: 5 }, (_, n) => `t${n}: teams { level team { id name } }`).join(' ');
    const result = await portico.rawGql({ query: `{ permissionMappings { ${aliased} } }` }, { token: viewerKey });
    expect(errorCodes(result)).toEqual(['QUERY_TOO_COMPLEX']);
    expect(result.errors?.[0].message).toMatch(/would cost \d+; at most 2500000/);
  });

  it('a document too large to measure (15,000 aliased fields, found by the fuzzer) is refused, never let through', async () => {
    const query = `{ ${Array.from({ length: 15_000 }, (_, i) => `a${i}: viewer { kind }`).join(' ')} }`;
    const started = performance.now();
    const result = await portico.rawGql({ query }, { token: viewerKey });
    expect(result.status).toBe(400);
    expect(errorCodes(result)).toEqual(['GRAPHQL_PARSE_FAILED']);
    expect(performance.now() - started).toBeLessThan(1_000);
    // Under the token limit but past what the cost measure counts: refused by the limits, not run.
    const wide = `{ ${Array.from({ length: 1_600 }, (_, i) => `a${i}: viewer { kind }`).join(' ')} }`;
    expect(errorCodes(await portico.rawGql({ query: wide }, { token: viewerKey }))).toEqual(['QUERY_TOO_COMPLEX']);
  });

  it('a verdict kept for a document holds only for the same page sizes, @include/@skip values and coercing variables', async () => {
    // 1 + first × 5 reads: 11 at first: 2, 501 (refused) at first: 100, unless @include drops the aliases.
    const aliased = [1, 2, 3, 4, 5].map((n) => `g${n}: groups @include(if: $deep) { id }`).join(' ');
    const query = `query($t: String, $n: Int, $deep: Boolean!) { users(tenant: $t, first: $n) { edges { node { id ${aliased} } } } }`;
    const run = async (variables: Record<string, unknown>) => errorCodes(await portico.rawGql({ query, variables }, { token: viewerKey }));
    // Variables that do not coerce go to execution, which refuses them; that verdict is not kept.
    expect(await run({ t: 5, n: 100, deep: true })).toEqual(['BAD_USER_INPUT']);
    expect(await run({ n: 100, deep: true })).toEqual(['QUERY_TOO_COMPLEX']);
    for (let round = 0; round < 2; round += 1) {
      expect(await run({ n: 2, deep: true })).toEqual([]);
      expect(await run({ n: 100, deep: false })).toEqual([]);
      expect(await run({ n: 100, deep: true })).toEqual(['QUERY_TOO_COMPLEX']);
      expect(await run({ t: 'acme', n: 100, deep: true })).toEqual(['QUERY_TOO_COMPLEX']);
    }
  });

  it('over graphql-ws, a document past the token limit is refused before graphql-ws parses it again', async () => {
    const client = wsClient(portico.url, { token: viewerKey });
    try {
      const query = `subscription { ${Array.from({ length: 15_000 }, (_, i) => `a${i}: provisioningEvents { id }`).join(' ')} }`;
      const errors = await new Promise<readonly { message: string }[]>((resolve, reject) => {
        client.subscribe({ query }, { next: () => reject(new Error('ran')), error: (e) => resolve(e as { message: string }[]), complete: () => reject(new Error('completed')) });
      });
      expect(errors[0].message).toMatch(/Document contains more th\w+ 10000 tokens/);
    } finally {
      await client.dispose();
    }
  });

  it('over graphql-ws, a document is validated by the same rules as over HTTP and refused with the same codes', async () => {
    const client = wsClient(portico.url, { token: viewerKey });
    const refusal = (query: string) =>
      new Promise<{ message: string; code: unknown }>((resolve, reject) => {
        client.subscribe(
          { query },
          {
            next: () => reject(new Error('ran')),
            error: (e) => {
              const [first] = e as { message: string; extensions?: { code?: unknown } }[];
              resolve({ message: first.message, code: first.extensions?.code });
            },
            complete: () => reject(new Error('completed')),
          },
        );
      });
    try {
      // A client's mistakes, with the codes HTTP answers them with (they were "Internal server error" before).
      expect(await refusal('subscription { provisioningEvents { nope } }')).toEqual({ message: expect.stringMatching(/Cannot query field "nope"/), code: 'GRAPHQL_VALIDATION_FAILED' });
      // Introspection is closed by default (PORTICO_GRAPHQL_INTROSPECTION), over WebSocket as over HTTP.
      expect(await refusal('subscription { __schema { queryType { name } } }')).toEqual({ message: expect.stringMatching(/introspection/i), code: 'GRAPHQL_VALIDATION_FAILED' });
      expect(await refusal('query A { viewer { kind } } query B { viewer { kind } }')).toEqual({ message: 'Unable to identify operation', code: 'BAD_REQUEST' });
      // What passes runs on the document as parsed and validated here (graphql-ws builds no arguments of its own).
      const first = await new Promise<unknown>((resolve, reject) => {
        client.subscribe({ query: 'query Me { viewer { kind } }', operationName: 'Me' }, { next: resolve, error: reject, complete: () => {} });
      });
      expect(first).toEqual({ data: { viewer: { kind: 'API_KEY' } } });
    } finally {
      await client.dispose();
    }
  });
});
