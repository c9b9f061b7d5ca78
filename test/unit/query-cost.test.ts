import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  getNamedType,
  getNullableType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isObjectType,
  Kind,
  parse,
  typeFromAST,
  type GraphQLInputType,
  type GraphQLSchema,
} from 'graphql';
import { getMetadataStorage } from 'type-graphql';
import { beforeAll, describe, expect, it } from 'vitest';
import { MAX_QUERY_COST, MAX_QUERY_READS, operationMeasures } from '../../src/graphql/limits';
import { BATCHED_FIELD_RESOLVERS, IN_MEMORY_FIELD_RESOLVERS, isConnectionEdges, LIST_MAXIMA, READING_FIELDS } from '../../src/graphql/query-cost';
import { buildPorticoSchema } from '../../src/graphql/schema';

/** A value of `type` that coerces, so an operation can be measured without real input. */
function sampleOf(type: GraphQLInputType): unknown {
  if (isNonNullType(type)) return sampleOf(type.ofType);
  if (isListType(type)) return [];
  if (isEnumType(type)) return type.getValues()[0].value;
  if (isInputObjectType(type)) {
    const required = Object.values(type.getFields()).filter((f) => isNonNullType(f.type) && f.defaultValue === undefined);
    return Object.fromEntries(required.map((f) => [f.name, sampleOf(f.type)]));
  }
  return { Int: 1, Float: 1, Boolean: true }[type.name] ?? 'x';
}

describe('GraphQL cost: every list costed at its real maximum', () => {
  let schema: GraphQLSchema;
  beforeAll(async () => {
    schema = await buildPorticoSchema();
  });

  it('every list field that is not a connection declares its maximum, and every declared maximum names a list', () => {
    const lists: string[] = [];
    for (const type of Object.values(schema.getTypeMap())) {
      if (!isObjectType(type) || type.name.startsWith('__')) continue;
      for (const field of Object.values(type.getFields())) {
        if (isListType(getNullableType(field.type)) && !isConnectionEdges(type, field)) lists.push(`${type.name}.${field.name}`);
      }
    }
    expect(lists.filter((name) => !(name in LIST_MAXIMA))).toEqual([]);
    expect(Object.keys(LIST_MAXIMA).filter((name) => !lists.includes(name))).toEqual([]);
    for (const maximum of Object.values(LIST_MAXIMA)) expect(Number.isInteger(maximum) && maximum > 0).toBe(true);
  });

  it('every field resolver is declared as reading the database per parent, batched per request, or working in memory', () => {
    const storage = getMetadataStorage();
    const fieldResolvers = storage.fieldResolvers.map((resolver) => {
      const target = resolver.getObjectType?.();
      const owner = storage.objectTypes.find((t) => t.target === target);
      return `${owner?.name}.${resolver.schemaName}`;
    });
    expect(fieldResolvers.length).toBeGreaterThan(0);
    const declared = (name: string) => READING_FIELDS.has(name) || IN_MEMORY_FIELD_RESOLVERS.has(name) || BATCHED_FIELD_RESOLVERS.has(name);
    expect(fieldResolvers.filter((name) => !declared(name))).toEqual([]);
    expect([...BATCHED_FIELD_RESOLVERS].filter((name) => !fieldResolvers.includes(name))).toEqual([]);
    expect([...READING_FIELDS].filter((name) => !fieldResolvers.includes(name))).toEqual([]);
  });

  it('every operation the frontend uses stays under both limits, with full pages', () => {
    const document = parse(readFileSync(path.join(__dirname, '../graphql/operations.graphql'), 'utf8'));
    const measured: Record<string, { reads: number; cost: number }> = {};
    for (const definition of document.definitions) {
      if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
      const variables = Object.fromEntries(
        (definition.variableDefinitions ?? []).map((v) => {
          const type = typeFromAST(schema, v.type as never) as GraphQLInputType;
          return [v.variable.name.value, v.variable.name.value === 'first' ? 100 : sampleOf(type)];
        }),
      );
      const name = definition.name!.value;
      measured[name] = operationMeasures({ schema, document, operationName: name, variables });
    }
    expect(Object.keys(measured).length).toBeGreaterThan(30);
    for (const [name, { reads, cost }] of Object.entries(measured)) {
      expect({ name, reads: reads <= MAX_QUERY_READS, cost: cost <= MAX_QUERY_COST }).toEqual({ name, reads: true, cost: true });
    }
    // The list costs follow the maxima: a page of 100 users with their groups reads once, then once per user.
    expect(measured.Users.reads).toBe(101);
    expect(measured.Teams.cost).toBe(LIST_MAXIMA['Query.teams']);
    expect(getNamedType(schema.getQueryType()!.getFields().teams.type).name).toBe('Team');
  });
});
