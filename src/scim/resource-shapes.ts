import { CORE_GROUP_SCHEMA, CORE_USER_SCHEMA, ENTERPRISE_USER_SCHEMA } from '../domain/directory/attribute-filter';
import type { DocumentShape } from './patch/apply-patch';
import { MAX_KEPT_VALUES, MAX_USER_VALUES } from '../domain/users/user-rules';
import { CORE_ATTRIBUTE_NAMES, ENTERPRISE_ATTRIBUTE_NAMES, MULTI_VALUED_ATTRIBUTE_NAMES } from './user-resource';

const byLowerCase = (names: string[]) => Object.fromEntries(names.map((n) => [n.toLowerCase(), n]));

/** Multi-valued core attributes of RFC 7643 §4.1 that Portico only keeps (no column): PATCH still treats them as lists. */
const KEPT_MULTI_VALUED = ['roles', 'entitlements', 'ims', 'x509Certificates'];

export const USER_SHAPE: DocumentShape = {
  names: byLowerCase([...CORE_ATTRIBUTE_NAMES, ...ENTERPRISE_ATTRIBUTE_NAMES, ...KEPT_MULTI_VALUED]),
  unqualifiedExtensions: Object.fromEntries(ENTERPRISE_ATTRIBUTE_NAMES.map((name) => [name.toLowerCase(), ENTERPRISE_USER_SCHEMA])),
  multiValued: new Set([...MULTI_VALUED_ATTRIBUTE_NAMES, ...KEPT_MULTI_VALUED].map((name) => name.toLowerCase())),
  coreSchema: CORE_USER_SCHEMA,
  maxValues: MAX_USER_VALUES,
  defaultMaxValues: MAX_KEPT_VALUES,
};

export const GROUP_SHAPE: DocumentShape = {
  names: byLowerCase(['displayName', 'externalId', 'members']),
  multiValued: new Set(['members']),
  coreSchema: CORE_GROUP_SCHEMA,
  unqualifiedExtensions: {},
  // Members never go through the document patch (they are set operations on ids); a value cap still applies.
  maxValues: {},
  defaultMaxValues: MAX_KEPT_VALUES,
};
