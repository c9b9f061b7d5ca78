import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorCodes, startTestPortico, type TestPortico } from '../../helpers/portico';

/** Counterexamples the GraphQL fuzzing found (issue 11), each kept as a plain test. */
describe('GraphQL fuzz counterexamples', () => {
  let portico: TestPortico;

  beforeAll(async () => {
    portico = await startTestPortico();
  });

  afterAll(async () => {
    await portico?.stop();
  });

  it('a subscription sent over HTTP POST is refused with 400 BAD_REQUEST, not an internal error from its resolver', async () => {
    const answer = await portico.rawGql({ query: 'subscription { provisioningEvents(tenant: "nope") { id } }' });
    expect(answer.status).toBe(400);
    expect(errorCodes(answer)).toEqual(['BAD_REQUEST']);
  });
});
