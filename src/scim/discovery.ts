import { CORE_GROUP_SCHEMA, CORE_USER_SCHEMA, ENTERPRISE_USER_SCHEMA } from '../domain/directory/attribute-filter';
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
const multiValue = (name: string, types: string[], valueType = 'string') =>
  attribute(name, 'complex', {
    multiValued: true,
    subAttributes: [
      attribute('value', valueType),
      text('display'),
      text('type', { canonicalValues: types }),
      attribute('primary', 'boolean'),
    ],
  });

const USER_ATTRIBUTES: JsonObject[] = [
  text('userName', { required: true, uniqueness: 'server' }),
  attribute('name', 'complex', {
    subAttributes: ['formatted', 'familyName', 'givenName', 'middleName', 'honorificPrefix', 'honorificSuffix'].map((n) => text(n)),
  }),
  text('displayName'),
  text('nickName'),
  text('title'),
  text('userType'),
  text('preferredLanguage'),
  text('locale'),
  text('timezone'),
  attribute('active', 'boolean'),
  multiValue('emails', ['work', 'home', 'other']),
  multiValue('phoneNumbers', ['work', 'home', 'mobile', 'fax', 'pager', 'other']),
  multiValue('photos', ['photo', 'thumbnail'], 'reference'),
  attribute('addresses', 'complex', {
    multiValued: true,
    subAttributes: [
      ...['formatted', 'streetAddress', 'locality', 'region', 'postalCode', 'country'].map((n) => text(n)),
      text('type', { canonicalValues: ['work', 'home', 'other'] }),
      attribute('primary', 'boolean'),
    ],
  }),
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

const ENTERPRISE_ATTRIBUTES: JsonObject[] = [
  text('employeeNumber'),
  text('costCenter'),
  text('organization'),
  text('division'),
  text('department'),
  attribute('manager', 'complex', {
    subAttributes: [
      attribute('value', 'string', { caseExact: true }),
      attribute('$ref', 'reference', { referenceTypes: ['User'] }),
      text('displayName', { mutability: 'readOnly' }),
    ],
  }),
];

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
    schema(CORE_USER_SCHEMA, 'User', 'User Account', USER_ATTRIBUTES, baseUrl),
    schema(ENTERPRISE_USER_SCHEMA, 'EnterpriseUser', 'Enterprise User', ENTERPRISE_ATTRIBUTES, baseUrl),
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
