import { writeFileSync } from 'node:fs';
import path from 'node:path';
import 'reflect-metadata';
import { printSchemaSdl } from './print-schema';
import { buildPorticoSchema } from './schema';

/** `npm run schema:emit`: writes schema/schema.graphql from the code-first schema. */
async function main(): Promise<void> {
  const file = path.resolve(__dirname, '../../../schema/schema.graphql');
  writeFileSync(file, printSchemaSdl(await buildPorticoSchema()));
  console.log(`wrote ${path.relative(process.cwd(), file)}`);
}

void main();
