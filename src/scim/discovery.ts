import { CORE_GROUP_SCHEMA, CORE_USER_SCHEMA, ENTERPRISE_USER_SCHEMA } from '../domain/directory/attribute-filter';
import { USER_ATTRIBUTES, type ScimPlacement, type UserAttributeDescriptor } from '../domain/users/user-attributes';
import type { JsonObject } from './values';

/** The largest page a list returns; `count` above it is capped (totalResults stays the true total). */
export const MAX_RESULTS = 1000;

interface AttributeOptions {
  multiValued?: boolean;
  required?: boolean;
  caseExact?: boolean;
  mutability?: 'readOnly' | 'readWrite' | 'immutable' | 'writeOnly';
  returned?: 'always' | 'never' | 'default' | 'request';
  uniqueness?: 'none' | 'server' | 'global';
  subAttributes?: JsonObject[];
  canonicalValues?: string[];
  referenceTypes?: string[];
}

function attribute(name: string, type: string, options: AttributeOptions = {}): JsonObject {
  return {
    name,
    type,
    multiValued: options.multiValued ?? false,
    description: '',
    required: options.required ?? false,
    caseExact: options.caseExact ?? false,
    mutability: options.mutability ?? 'readWrite',
    returned: options.returned ?? 'default',
    uniqueness: options.uniqueness ?? 'none',
    ...(options.canonicalValues && { canonicalValues: options.canonicalValues }),
    ...(options.referenceTypes && { referenceTypes: options.referenceTypes }),
    ...(options.subAttributes && { subAttributes: options.subAttributes }),
  };
}

const text = (name: string, options: AttributeOptions = {}) => attribute(name, 'string', options);

/** A modeled attribute's schema entry: what the domain's descriptor says, in SCIM's words. */
function scalarAttribute(name: string, descriptor: UserAttributeDescriptor, placement: ScimPlacement): JsonObject {
  const options: AttributeOptions = {
    ...(placement.required && { required: true }),
    ...(placement.caseExact && { caseExact: true }),
    ...(placement.uniqueness && { uniqueness: placement.uniqueness }),
  };
  return attribute(name, descriptor.kind === 'boolean' ? 'boolean' : 'string', options);
}

function elementsAttribute(name: string, descriptor: UserAttributeDescriptor, placement: ScimPlacement): JsonObject {
  return attribute(name, 'complex', {
    multiValued: true,
    subAttributes: (descriptor.parts ?? []).map((part) =>
      attribute(part.name, part.name === 'value' && placement.valueType ? placement.valueType : part.type, {
        ...(part.canonicalValues && { canonicalValues: [...part.canonicalValues] }),
      }),
    ),
  });
}

/** A reference's `$ref`, and the `displayName` RFC 7643 §4.3 gives `manager` (never stored, so read-only). */
const referenceParts = (placement: ScimPlacement): JsonObject[] => [
  attribute('$ref', 'reference', { referenceTypes: [...(placement.referenceTypes ?? [])] }),
  text('displayName', { mutability: 'readOnly' }),
];

/** The schema attributes of the modeled user attributes of one schema, in the domain table's order. */
function modeledAttributes(schema: ScimPlacement['schema']): JsonObject[] {
  const attributes: JsonObject[] = [];
  const complex = new Map<string, JsonObject[]>();
  for (const descriptor of USER_ATTRIBUTES as readonly UserAttributeDescriptor[]) {
    const placement = descriptor.scim;
    if (placement?.schema !== schema || placement.common) continue;
    if (placement.sub === undefined) {
      attributes.push(descriptor.kind === 'multiValued' ? elementsAttribute(placement.attribute, descriptor, placement) : scalarAttribute(placement.attribute, descriptor, placement));
      continue;
    }
    let subAttributes = complex.get(placement.attribute);
    if (!subAttributes) {
      subAttributes = [];
      complex.set(placement.attribute, subAttributes);
      attributes.push(attribute(placement.attribute, 'complex', { subAttributes }));
    }
    subAttributes.push(scalarAttribute(placement.sub, descriptor, placement));
    if (placement.referenceTypes) subAttributes.push(...referenceParts(placement));
  }
  return attributes;
}

const USER_SCHEMA_ATTRIBUTES: JsonObject[] = [
  ...modeledAttributes('core'),
  attribute('groups', 'complex', {
    multiValued: true,
    mutability: 'readOnly',
    // Loading a user's groups costs a query, so they come only when `attributes` names them.
    returned: 'request',
    subAttributes: [
      attribute('value', 'string', { mutability: 'readOnly' }),
      attribute('$ref', 'reference', { mutability: 'readOnly', referenceTypes: ['Group'] }),
      text('display', { mutability: 'readOnly' }),
    ],
  }),
];

const ENTERPRISE_SCHEMA_ATTRIBUTES: JsonObject[] = modeledAttributes('enterprise');

const GROUP_ATTRIBUTES: JsonObject[] = [
  text('displayName', { required: true, uniqueness: 'server' }),
  attribute('members', 'complex', {
    multiValued: true,
    subAttributes: [
      attribute('value', 'string', { mutability: 'immutable' }),
      attribute('$ref', 'reference', { mutability: 'immutable', referenceTypes: ['User'] }),
      text('display', { mutability: 'readOnly' }),
    ],
  }),
];

const meta = (resourceType: string, location: string) => ({ resourceType, location });

function schema(id: string, name: string, description: string, attributes: JsonObject[], baseUrl: string): JsonObject {
  return {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:Schema'],
    id,
    name,
    description,
    attributes,
    meta: meta('Schema', `${baseUrl}/Schemas/${id}`),
  };
}

export function schemas(baseUrl: string): JsonObject[] {
  return [
    // Names and descriptions as RFC 7643 §8.7.1 gives them (clients such as Microsoft's test collection compare them).
    schema(CORE_USER_SCHEMA, 'User', 'User Account', USER_SCHEMA_ATTRIBUTES, baseUrl),
    schema(ENTERPRISE_USER_SCHEMA, 'EnterpriseUser', 'Enterprise User', ENTERPRISE_SCHEMA_ATTRIBUTES, baseUrl),
    schema(CORE_GROUP_SCHEMA, 'Group', 'Group', GROUP_ATTRIBUTES, baseUrl),
  ];
}

export function resourceTypes(baseUrl: string): JsonObject[] {
  return [
    {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:ResourceType'],
      id: 'User',
      name: 'User',
      endpoint: '/Users',
      description: 'User Account',
      schema: CORE_USER_SCHEMA,
      schemaExtensions: [{ schema: ENTERPRISE_USER_SCHEMA, required: false }],
      meta: meta('ResourceType', `${baseUrl}/ResourceTypes/User`),
    },
    {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:ResourceType'],
      id: 'Group',
      name: 'Group',
      endpoint: '/Groups',
      description: 'Group',
      schema: CORE_GROUP_SCHEMA,
      meta: meta('ResourceType', `${baseUrl}/ResourceTypes/Group`),
    },
  ];
}

/** What this server does, exactly: PATCH, filter, sort and ETags yes; bulk and password changes no. */
export function serviceProviderConfig(baseUrl: string): JsonObject {
  return {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig'],
    documentationUri: 'https://github.com/portico/portico#scim',
    patch: { supported: true },
    bulk: { supported: false, maxOperations: 0, maxPayloadSize: 0 },
    filter: { supported: true, maxResults: MAX_RESULTS },
    changePassword: { supported: false },
    sort: { supported: true },
    etag: { supported: true },
    authenticationSchemes: [
      {
        type: 'oauthbearertoken',
        name: 'OAuth Bearer Token',
        description: 'The tenant\'s SCIM secret token, sent as "Authorization: Bearer <token>"',
        primary: true,
      },
    ],
    meta: meta('ServiceProviderConfig', `${baseUrl}/ServiceProviderConfig`),
  };
}
