import type { CodegenConfig } from '@graphql-codegen/cli';

/** Typed operations for the tests (and any bundled client), from the committed SDL. A test fails on drift. */
const config: CodegenConfig = {
  schema: 'schema/schema.graphql',
  generates: {
    'test/generated/graphql.ts': {
      documents: ['test/graphql/**/*.graphql'],
      plugins: ['typescript-operations', 'typed-document-node'],
      config: {
        scalars: { DateTime: 'string', JSON: 'unknown' },
        enumsAsTypes: true,
        avoidOptionals: { field: true, inputValue: false, object: false },
        useTypeImports: true,
      },
    },
    // The admin console's operations as typed strings: no `graphql` runtime in the browser bundle.
    'src/console/generated/graphql.ts': {
      documents: ['src/console/graphql/**/*.graphql'],
      plugins: ['typescript-operations', 'typed-document-node'],
      config: {
        scalars: { DateTime: 'string', JSON: 'unknown' },
        enumsAsTypes: true,
        avoidOptionals: { field: true, inputValue: false, object: false },
        useTypeImports: true,
        documentMode: 'string',
      },
    },
  },
  hooks: {},
};

export default config;
