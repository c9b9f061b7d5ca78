import { CORE_GROUP_SCHEMA, CORE_USER_SCHEMA, ENTERPRISE_USER_SCHEMA } from '../domain/directory/attribute-filter';
import type { DocumentShape } from './patch/apply-patch';
import { CORE_ATTRIBUTE_NAMES, ENTERPRISE_ATTRIBUTE_NAMES } from './user-resource';

const byLowerCase = (names: string[]) => Object.fromEntries(names.map((n) => [n.toLowerCase(), n]));

export const USER_SHAPE: DocumentShape = {
  names: byLowerCase([...CORE_ATTRIBUTE_NAMES, ...ENTERPRISE_ATTRIBUTE_NAMES, 'roles', 'entitlements', 'ims', 'x509Certificates']),
  unqualifiedExtensions: Object.fromEntries(ENTERPRISE_ATTRIBUTE_NAMES.map((name) => [name.toLowerCase(), ENTERPRISE_USER_SCHEMA])),
  multiValued: new Set(['emails', 'phonenumbers', 'photos', 'addresses', 'roles', 'entitlements', 'ims', 'x509certificates']),
  coreSchema: CORE_USER_SCHEMA,
};

export const GROUP_SHAPE: DocumentShape = {
  names: byLowerCase(['displayName', 'externalId', 'members']),
  multiValued: new Set(['members']),
  coreSchema: CORE_GROUP_SCHEMA,
  unqualifiedExtensions: {},
};
