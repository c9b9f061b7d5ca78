/**
 * The server runs in production mode unless `NODE_ENV` says otherwise. graphql-js reads `NODE_ENV` once, when it
 * is first loaded, and outside production checks every value it meets against the schema's classes (for a second
 * copy of graphql): a third of the execution time of a GraphQL query with a large result (`user.access`). Imported
 * first by `main.ts`, before anything loads graphql; `NODE_ENV=development` keeps those checks.
 */
process.env.NODE_ENV ??= 'production';
