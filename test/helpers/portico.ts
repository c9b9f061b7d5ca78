import { randomBytes } from 'node:crypto';
import { print, type ExecutionResult } from 'graphql';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { startPortico, type Portico, type StartOptions } from '../../src/app';
import { loadConfig } from '../../src/config/config';
import type { CallContext, EventSource, Scope } from '../../src/domain/shared/scope';
import { createTestDatabase } from './database';

export const TEST_OPERATOR_TOKEN = `pto_test-operator-${randomBytes(12).toString('hex')}`;

export interface TestPortico extends Portico {
  databaseUrl: string;
  operatorToken: string;
  /** Runs a typed operation over HTTP, as a frontend would. */
  gql<R, V extends Record<string, unknown>>(
    document: TypedDocumentNode<R, V>,
    variables?: V,
    options?: { token?: string | null; cookie?: string },
  ): Promise<GraphqlResponse<R>>;
  /** Runs raw GraphQL text (for malformed and abusive queries). */
  rawGql(body: unknown, options?: { token?: string | null }): Promise<GraphqlResponse<unknown>>;
  stop(): Promise<void>;
}

export interface GraphqlResponse<R> extends ExecutionResult<R> {
  status: number;
}

/** Starts Portico on a fresh database and an ephemeral port; `stop()` closes it and drops the database. */
export async function startTestPortico(env: Record<string, string> = {}, options: StartOptions = {}): Promise<TestPortico> {
  const database = await createTestDatabase();
  const config = loadConfig({
    DATABASE_URL: database.url,
    PORT: '0',
    PUBLIC_URL: 'https://portico.test',
    PORTICO_SECRET_KEY: randomBytes(32).toString('hex'),
    PORTICO_OPERATOR_TOKEN: TEST_OPERATOR_TOKEN,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    // No per-token SCIM limit and no per-address SAML limit unless a test sets one (protocol.test.ts and the SAML
    // cost tests test the limiters): a test is about what Portico answers, and on a fast enough machine its requests
    // outran the default 100 a second and were answered 429.
    PORTICO_SCIM_RATE_PER_SECOND: '0',
    PORTICO_SAML_RATE_PER_SECOND: '0',
    ...env,
  });
  const portico = await startPortico(config, options);
  const post = async (body: unknown, token: string | null | undefined, cookie?: string) => {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (token) headers.authorization = `Bearer ${token}`;
    if (cookie) headers.cookie = cookie;
    const response = await fetch(`${portico.url}/graphql`, {
      method: 'POST',
      headers,
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    const json = (await response.json()) as ExecutionResult;
    return { ...json, status: response.status };
  };
  return Object.assign(portico, {
    databaseUrl: database.url,
    operatorToken: TEST_OPERATOR_TOKEN,
    gql: async <R, V extends Record<string, unknown>>(
      document: TypedDocumentNode<R, V>,
      variables?: V,
      options: { token?: string | null; cookie?: string } = {},
    ) => {
      const token = options.token === undefined ? TEST_OPERATOR_TOKEN : options.token;
      return (await post({ query: print(document), variables }, token, options.cookie)) as GraphqlResponse<R>;
    },
    rawGql: (body: unknown, options: { token?: string | null } = {}) =>
      post(body, options.token === undefined ? TEST_OPERATOR_TOKEN : options.token),
    stop: async () => {
      await portico.close();
      await database.drop();
    },
  });
}

/** The `extensions.code` of each error, for compact assertions. */
export const errorCodes = (response: { errors?: readonly { extensions?: Record<string, unknown> }[] }) =>
  (response.errors ?? []).map((e) => e.extensions?.code);

/** A scope acting as the platform operator inside `tenantSlug` (to set up data through the domain). */
export async function operatorScope(portico: Portico, tenantSlug: string, source: EventSource = 'SYSTEM'): Promise<Scope> {
  const ctx: CallContext = {
    actor: { kind: 'OPERATOR', id: null, label: 'test operator', tenantId: null, level: 'ADMINISTRATOR' },
    source,
    requestId: `test-${randomBytes(4).toString('hex')}`,
  };
  return portico.services.tenants.scopeFor(ctx, tenantSlug);
}

/** Creates a tenant through the domain and returns the operator's scope in it. */
export async function createTenant(portico: Portico, slug: string): Promise<Scope> {
  const ctx: CallContext = {
    actor: { kind: 'OPERATOR', id: null, label: 'test operator', tenantId: null, level: 'ADMINISTRATOR' },
    source: 'SYSTEM',
    requestId: 'test-setup',
  };
  await portico.services.tenants.create(ctx, { slug, name: slug });
  return operatorScope(portico, slug);
}

/**
 * A second Portico process in this one, on the database of `first` (which must have been started with
 * `secretKey`): two processes sharing one database, as behind a load balancer. `close()` stops it.
 */
export async function startSecondPortico(first: TestPortico, secretKey: string): Promise<Portico> {
  return startPortico(
    loadConfig({
      DATABASE_URL: first.databaseUrl,
      PORT: '0',
      PUBLIC_URL: 'https://portico.test',
      PORTICO_SECRET_KEY: secretKey,
      PORTICO_OPERATOR_TOKEN: TEST_OPERATOR_TOKEN,
      LOG_LEVEL: 'silent',
    }),
  );
}
