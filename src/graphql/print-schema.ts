import { lexicographicSortSchema, printSchema, type GraphQLSchema } from 'graphql';

const HEADER = '# Generated from the code-first schema by `npm run schema:emit`. Do not edit; a test fails on drift.\n\n';

/** The committed SDL: sorted, so that moving code around does not churn the file. */
export const printSchemaSdl = (schema: GraphQLSchema): string =>
  `${HEADER}${printSchema(lexicographicSortSchema(schema))}\n`;
