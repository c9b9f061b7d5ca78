import { MetadataStorage, UnderscoreNamingStrategy } from '@mikro-orm/core';
import { GraphQLList, GraphQLNonNull, GraphQLObjectType, type GraphQLType } from 'graphql';
import { describe, expect, it } from 'vitest';
import { CORE_USER_SCHEMA, ENTERPRISE_USER_SCHEMA } from '../../src/domain/directory/attribute-filter';
import type { AttributeDefinition } from '../../src/db/filter-sql';
import { USER_ATTRIBUTES, type UserAttributeDescriptor } from '../../src/domain/users/user-attributes';
import { USER_CATALOG } from '../../src/domain/users/user-catalog';
import { TRACKED_USER_ATTRIBUTES, userAttributesRule } from '../../src/domain/users/user-rules';
import { pickAttributes, withDefaults } from '../../src/domain/users/user-values';
import { User } from '../../src/domain/users/user.entity';
import { buildPorticoSchema } from '../../src/graphql/schema';
import { schemas } from '../../src/scim/discovery';
import { scimToUserAttributes, userToScim } from '../../src/scim/user-resource';

/**
 * The table of user attribute descriptors is the one description of a user attribute: this walks it and
 * checks that every place deriving from it (or, for the entity and the GraphQL type, declared beside it)
 * knows each attribute, and knows nothing the table does not.
 */
const TABLE = USER_ATTRIBUTES as readonly UserAttributeDescriptor[];
const SCHEMA_URN = { core: CORE_USER_SCHEMA, enterprise: ENTERPRISE_USER_SCHEMA } as const;
const BASE_URL = 'https://portico.test/api/acme/scim/v2';

/**
 * Attributes the GraphQL User type does not expose (yet): the SCIM resource carries them, the console
 * shows none of them. Adding one to the type means removing it here.
 */
const NOT_IN_GRAPHQL = ['nickName', 'addresses', 'photos', 'extensions'];

/** A value of the attribute's kind that differs from its default. */
function sampleOf(attribute: UserAttributeDescriptor): unknown {
  if (attribute.kind === 'boolean') return false;
  if (attribute.kind === 'extensions') return { 'urn:example:badge': { number: '7' } };
  if (attribute.kind === 'multiValued') {
    const element = Object.fromEntries((attribute.parts ?? []).filter((p) => p.type === 'string').map((p) => [p.name, `${attribute.name}-${p.name}`]));
    return [{ ...element, primary: true }];
  }
  return `${attribute.name}-value`;
}

const everyAttributeSet = () => Object.fromEntries(TABLE.map((a) => [a.name, sampleOf(a)]));

describe('the user attribute table', () => {
  it('names each attribute once, each at its own place in SCIM and in its own column', () => {
    const names = TABLE.map((a) => a.name);
    expect(new Set(names).size).toBe(names.length);
    const columns = TABLE.map((a) => a.column);
    expect(new Set(columns).size).toBe(columns.length);
    const places = TABLE.filter((a) => a.scim).map((a) => `${a.scim!.schema}:${a.scim!.attribute}.${a.scim!.sub ?? ''}`);
    expect(new Set(places).size).toBe(places.length);
  });

  it('is the rule, the tracked attributes, the defaults and the picked attributes', () => {
    expect(Object.keys(userAttributesRule.shape)).toEqual(TABLE.map((a) => a.name));
    expect([...TRACKED_USER_ATTRIBUTES]).toEqual(TABLE.map((a) => a.name));
    const defaults = withDefaults({ userName: 'someone' }) as Record<string, unknown>;
    for (const attribute of TABLE) {
      expect(defaults[attribute.name], attribute.name).toEqual(attribute.initial ? attribute.initial() : 'someone');
      expect(userAttributesRule.safeParse({ userName: 'someone', [attribute.name]: sampleOf(attribute) }).success, attribute.name).toBe(true);
    }
    // Defaults are fresh values: one user's list is never another's.
    expect(withDefaults({ userName: 'a' }).emails).not.toBe(withDefaults({ userName: 'b' }).emails);
    const user = Object.assign(new User(), withDefaults(userAttributesRule.parse({ ...everyAttributeSet(), userName: 'someone' })));
    expect(Object.keys(pickAttributes(user))).toEqual(TABLE.map((a) => a.name));
  });

  it('is the User entity: a property per attribute, in the column the table names', () => {
    const properties = MetadataStorage.getMetadataFromDecorator(User as never).properties as Record<string, { type?: string; nullable?: boolean }>;
    const naming = new UnderscoreNamingStrategy();
    for (const attribute of TABLE) {
      const property = properties[attribute.name];
      expect(property, attribute.name).toBeDefined();
      expect(naming.propertyToColumnName(attribute.name), attribute.name).toBe(attribute.column);
      const stored = attribute.kind === 'text' ? 'text' : attribute.kind === 'boolean' ? 'boolean' : 'json';
      expect(property.type, attribute.name).toBe(stored);
      // Only an optional text is null when absent; lists, the flag and the kept extensions never are.
      expect(property.nullable ?? false, attribute.name).toBe(attribute.kind === 'text' && attribute.initial !== undefined);
    }
  });

  it('is the SCIM filter catalog, column for column', () => {
    for (const attribute of TABLE) {
      if (!attribute.scim) {
        expect(USER_CATALOG.extensionsColumn).toBe(`u.${attribute.column}`);
        continue;
      }
      const definition = USER_CATALOG.schemas[SCHEMA_URN[attribute.scim.schema].toLowerCase()][attribute.scim.attribute] as AttributeDefinition;
      expect(definition, attribute.name).toBeDefined();
      if (attribute.scim.sub !== undefined) {
        expect(definition.kind === 'complex' && definition.subAttributes[attribute.scim.sub].sql, attribute.name).toBe(`u.${attribute.column}`);
      } else if (definition.kind === 'multi') {
        expect(definition.source.from, attribute.name).toContain(`jsonb_array_elements(u.${attribute.column})`);
        expect(Object.keys(definition.source.subAttributes).sort(), attribute.name).toEqual((attribute.parts ?? []).map((p) => p.name).sort());
      } else {
        expect(definition.kind === 'scalar' && definition.column.sql, attribute.name).toBe(`u.${attribute.column}`);
      }
    }
  });

  it('is the SCIM schema: every attribute but the common externalId, with its parts', () => {
    const byId = Object.fromEntries(schemas(BASE_URL).map((s) => [s.id as string, s.attributes as { name: string; subAttributes?: { name: string; caseExact: boolean }[] }[]]));
    for (const attribute of TABLE) {
      if (!attribute.scim || attribute.scim.common) continue;
      const entry = byId[SCHEMA_URN[attribute.scim.schema]].find((a) => a.name === attribute.scim!.attribute);
      expect(entry, attribute.name).toBeDefined();
      if (attribute.scim.sub !== undefined) {
        const sub = entry!.subAttributes!.find((s) => s.name === attribute.scim!.sub);
        expect(sub?.caseExact, attribute.name).toBe(attribute.scim.caseExact === true);
      }
      if (attribute.parts) expect(entry!.subAttributes!.map((s) => s.name), attribute.name).toEqual(attribute.parts.map((p) => p.name));
    }
  });

  it('is the SCIM User resource: each attribute comes back where it was sent', () => {
    const user = Object.assign(new User(), {
      id: '00000000-0000-4000-8000-000000000001',
      tenantId: '00000000-0000-4000-8000-000000000002',
      ...withDefaults(userAttributesRule.parse({ ...everyAttributeSet(), userName: 'someone' })),
    });
    const resource = userToScim(user, { baseUrl: BASE_URL });
    for (const attribute of TABLE) {
      if (!attribute.scim) continue;
      const container = (attribute.scim.schema === 'core' ? resource : resource[ENTERPRISE_USER_SCHEMA]) as Record<string, unknown>;
      const at = container[attribute.scim.attribute];
      const shown = attribute.scim.sub !== undefined ? (at as Record<string, unknown>)[attribute.scim.sub] : at;
      expect(shown, attribute.name).toEqual(user[attribute.name as keyof User]);
    }
    expect(resource['urn:example:badge']).toEqual({ number: '7' });
    expect(pickAttributes(Object.assign(new User(), withDefaults(userAttributesRule.parse(scimToUserAttributes(resource)))))).toEqual(pickAttributes(user));
  });

  it('is the GraphQL User type, but for the attributes it does not expose', async () => {
    const schema = await buildPorticoSchema();
    const unwrap = (type: GraphQLType): GraphQLType => (type instanceof GraphQLNonNull || type instanceof GraphQLList ? unwrap(type.ofType) : type);
    const userType = schema.getType('User') as GraphQLObjectType;
    const fields = userType.getFields();
    for (const attribute of TABLE) {
      // The name's parts are a PersonName object, as in SCIM; every other attribute is a field of its own.
      const field =
        attribute.scim?.attribute === 'name'
          ? (unwrap(fields.name.type) as GraphQLObjectType).getFields()[attribute.scim.sub!]
          : fields[attribute.name];
      expect(field === undefined, `${attribute.name} ${NOT_IN_GRAPHQL.includes(attribute.name) ? 'is exposed: take it off NOT_IN_GRAPHQL' : 'is missing from the GraphQL User'}`).toBe(
        NOT_IN_GRAPHQL.includes(attribute.name),
      );
    }
  });
});
