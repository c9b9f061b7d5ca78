import { readFileSync } from 'node:fs';
import path from 'node:path';
import { generate } from '@graphql-codegen/cli';
import { describe, expect, it } from 'vitest';
import codegenConfig from '../../codegen';
import { printSchemaSdl } from '../../src/graphql/print-schema';
import { buildPorticoSchema } from '../../src/graphql/schema';

const ROOT = path.resolve(__dirname, '../..');

describe('committed GraphQL artefacts', () => {
  it('schema/schema.graphql is what the code-first schema prints (run `npm run schema:emit`)', async () => {
    const committed = readFileSync(path.join(ROOT, 'schema/schema.graphql'), 'utf8');
    expect(printSchemaSdl(await buildPorticoSchema())).toBe(committed);
  });

  it('test/generated/graphql.ts and src/console/generated/graphql.ts are what codegen generates (run `npm run codegen`)', async () => {
    const cwd = process.cwd();
    process.chdir(ROOT);
    try {
      const outputs = await generate({ ...codegenConfig, silent: true }, false);
      expect(outputs.map((o: { filename: string }) => o.filename).sort()).toEqual(['src/console/generated/graphql.ts', 'test/generated/graphql.ts']);
      for (const output of outputs) {
        const committed = readFileSync(path.join(ROOT, output.filename), 'utf8');
        expect(output.content, output.filename).toBe(committed);
      }
    } finally {
      process.chdir(cwd);
    }
  });

  it('keeps every stable operation of the SPEC', async () => {
    const sdl = readFileSync(path.join(ROOT, 'schema/schema.graphql'), 'utf8');
    const stable = [
      'viewer: Viewer!',
      'tenant(tenant: String): Tenant',
      'users(after: String, filter: UserFilter, first: Int, tenant: String): UserConnection!',
      'user(id: ID!, tenant: String): User',
      // An argument added since the SPEC (filter) keeps the operation: its arguments stay, none renamed.
      'groups(after: String, filter: GroupFilter, first: Int, tenant: String): IdpGroupConnection!',
      'group(id: ID!, tenant: String): IdpGroup',
      'teams(tenant: String): [Team!]!',
      'provisioningEvents(after: String, filter: ProvisioningEventFilter, first: Int, tenant: String): ProvisioningEventConnection!',
      'scimSettings(tenant: String): ScimSettings!',
      'createTenant(input: CreateTenantInput!): Tenant!',
      'updateTenantSettings(input: TenantSettingsInput!, tenant: String): Tenant!',
      'enableScim(tenant: String): ScimSettings!',
      'disableScim(tenant: String): ScimSettings!',
      'generateScimToken(graceSeconds: Int, tenant: String): GeneratedScimToken!',
      'revokeScimToken(tenant: String): ScimSettings!',
      'createTeam(name: String!, tenant: String): Team!',
      'signOut: Boolean!',
    ];
    const flat = sdl.replace(/"""[\s\S]*?"""/g, '').replace(/\s+/g, ' ').replace(/\( /g, '(').replace(/ \)/g, ')');
    for (const field of stable) expect(flat).toContain(field.replace(/, /g, ' '));
  });
});
