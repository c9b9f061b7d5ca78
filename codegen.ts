import type { CodegenConfig } from '@graphql-codegen/cli';

/** Typed operations for the tests (and any bundled client), from the committed SDL. A test fails on drift. */
const config: CodegenConfig = {
  schema: 'schema/schema.graphql',
  documents: ['test/graphql/**/*.graphql'],
  generates: {
    'test/generated/graphql.ts': {
      plugins: ['typescript-operations', 'typed-document-node'],
      config: {
        scalars: { DateTime: 'string', JSON: 'unknown' },
        enumsAsTypes: true,
        avoidOptionals: { field: true, inputValue: false, object: false },
        useTypeImports: true,
      },
    },
  },
  hooks: {},
};

export default config;
