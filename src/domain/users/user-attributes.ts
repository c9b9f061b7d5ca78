import { z } from 'zod';
import { keptExtensionsRule } from '../directory/extension-rules';
import type { Address, MultiValue } from './user.entity';

/**
 * The one description of every user attribute the domain models. The validation rule, the defaults of a
 * full replacement, the attributes compared for change events, the filter catalog's SQL and (in the SCIM
 * layer) the SCIM schema and the resource's shape are all derived from `USER_ATTRIBUTES`; the entity and
 * the GraphQL type are checked against it by test/unit/user-attributes.test.ts.
 */

/** One part of a multi-valued attribute's elements (an e-mail's `value`, an address's `locality`, …). */
export interface ElementPart {
  name: string;
  type: 'string' | 'boolean';
  /** Longest text accepted (strings only). */
  maxLength?: number;
  /** An element without it is refused. */
  required?: boolean;
  /** Canonical values SCIM lists for it (only `type` has them). */
  canonicalValues?: readonly string[];
}

/** Where an attribute sits in a SCIM User: its schema, its attribute and, inside a complex one, its sub-attribute. */
export interface ScimPlacement {
  schema: 'core' | 'enterprise';
  attribute: string;
  sub?: string;
  /** A common attribute (RFC 7643 §3.1): carried by every resource, listed in no schema. */
  common?: boolean;
  caseExact?: boolean;
  required?: boolean;
  uniqueness?: 'server';
  /** The resource types a reference names (`manager.value` is a User's id). */
  referenceTypes?: readonly string[];
  /** SCIM type of the elements' `value` when not a plain string (`photos` hold URLs). */
  valueType?: 'reference';
}

export type UserAttributeKind = 'text' | 'boolean' | 'multiValued' | 'extensions';

/** How one user attribute is named, stored, validated, defaulted and shown in SCIM. */
export interface UserAttributeDescriptor<Name extends string = string, Rule extends z.ZodType = z.ZodType> {
  /** The domain's name: the entity property, the rule's key, the attribute of change events. */
  name: Name;
  kind: UserAttributeKind;
  /** The `users` column holding it. */
  column: string;
  /** Where SCIM puts it; null for the kept attributes of other schemas, which SCIM returns as sent. */
  scim: ScimPlacement | null;
  rule: Rule;
  /** Its value in a full replacement that leaves it out; absent for a required attribute. */
  initial?: () => z.output<Rule> | null;
  /** The parts of each element (multi-valued attributes only). */
  parts?: readonly ElementPart[];
  /** The most elements it may hold (multi-valued attributes only). */
  maxValues?: number;
}

/** At most this many e-mail addresses, and as many phone numbers, per user. */
export const MAX_MULTI_VALUES = 50;

const TYPES = ['work', 'home', 'other'] as const;

/** Parts of an e-mail, a phone number or a photo, in the order SCIM's schema lists them. */
const multiValueParts = (canonicalTypes: readonly string[]): readonly ElementPart[] => [
  { name: 'value', type: 'string', maxLength: 2048, required: true },
  { name: 'display', type: 'string', maxLength: 512 },
  { name: 'type', type: 'string', maxLength: 64, canonicalValues: canonicalTypes },
  { name: 'primary', type: 'boolean' },
];

const ADDRESS_PARTS: readonly ElementPart[] = [
  { name: 'formatted', type: 'string', maxLength: 1024 },
  { name: 'streetAddress', type: 'string', maxLength: 512 },
  { name: 'locality', type: 'string', maxLength: 256 },
  { name: 'region', type: 'string', maxLength: 256 },
  { name: 'postalCode', type: 'string', maxLength: 64 },
  { name: 'country', type: 'string', maxLength: 64 },
  { name: 'type', type: 'string', maxLength: 64, canonicalValues: TYPES },
  { name: 'primary', type: 'boolean' },
];

const limitedText = (max: number) => z.string().max(max, `must be at most ${max} characters`);

function elementRule(parts: readonly ElementPart[]) {
  const shape: Record<string, z.ZodType> = {};
  for (const part of parts) {
    const rule = part.type === 'boolean' ? z.boolean() : limitedText(part.maxLength ?? 0);
    shape[part.name] = part.required ? rule : rule.optional();
  }
  return z.object(shape);
}

const onePrimary = (list: { primary?: boolean }[]) => list.filter((v) => v.primary).length <= 1;

const core = (attribute: string, options: Omit<ScimPlacement, 'schema' | 'attribute'> = {}): ScimPlacement => ({ schema: 'core', attribute, ...options });
const enterprise = (attribute: string, options: Omit<ScimPlacement, 'schema' | 'attribute'> = {}): ScimPlacement => ({ schema: 'enterprise', attribute, ...options });

/** A text attribute: absent means null. */
const text = <N extends string>(name: N, column: string, maxLength: number, scim: ScimPlacement) => ({
  name,
  kind: 'text' as const,
  column,
  scim,
  rule: limitedText(maxLength).nullish(),
  initial: () => null,
});

/** A multi-valued attribute stored as a JSON array; absent means none. */
function multiValued<N extends string, E>(name: N, column: string, scim: ScimPlacement, parts: readonly ElementPart[], maxValues: number, options: { onePrimary: boolean }) {
  const list = z.array(elementRule(parts) as unknown as z.ZodType<E>).max(maxValues);
  return {
    name,
    kind: 'multiValued' as const,
    column,
    scim,
    rule: (options.onePrimary ? list.refine((l) => onePrimary(l as { primary?: boolean }[]), 'at most one may be primary') : list).optional(),
    initial: (): E[] => [],
    parts,
    maxValues,
  };
}

/**
 * Every modeled user attribute, in the order SCIM lists them (RFC 7643 §8.7.1, the common `externalId`
 * first, the Enterprise extension after the core) — which is also the order change events report them in.
 */
export const USER_ATTRIBUTES = [
  text('externalId', 'external_id', 512, core('externalId', { common: true, caseExact: true })),
  {
    name: 'userName' as const,
    kind: 'text' as const,
    column: 'user_name',
    // Unique per tenant, compared case-insensitively (a functional unique index on lower(user_name)).
    scim: core('userName', { required: true, uniqueness: 'server' }),
    rule: z.string().trim().min(1, 'is required').max(256, 'must be at most 256 characters'),
  },
  text('formattedName', 'formatted_name', 1024, core('name', { sub: 'formatted' })),
  text('familyName', 'family_name', 256, core('name', { sub: 'familyName' })),
  text('givenName', 'given_name', 256, core('name', { sub: 'givenName' })),
  text('middleName', 'middle_name', 256, core('name', { sub: 'middleName' })),
  text('honorificPrefix', 'honorific_prefix', 64, core('name', { sub: 'honorificPrefix' })),
  text('honorificSuffix', 'honorific_suffix', 64, core('name', { sub: 'honorificSuffix' })),
  text('displayName', 'display_name', 512, core('displayName')),
  text('nickName', 'nick_name', 256, core('nickName')),
  text('title', 'title', 256, core('title')),
  text('userType', 'user_type', 128, core('userType')),
  text('preferredLanguage', 'preferred_language', 64, core('preferredLanguage')),
  text('locale', 'locale', 64, core('locale')),
  text('timezone', 'timezone', 64, core('timezone')),
  { name: 'active' as const, kind: 'boolean' as const, column: 'active', scim: core('active'), rule: z.boolean().optional(), initial: () => true },
  multiValued<'emails', MultiValue>('emails', 'emails', core('emails'), multiValueParts(TYPES), MAX_MULTI_VALUES, { onePrimary: true }),
  multiValued<'phoneNumbers', MultiValue>('phoneNumbers', 'phone_numbers', core('phoneNumbers'), multiValueParts(['work', 'home', 'mobile', 'fax', 'pager', 'other']), MAX_MULTI_VALUES, {
    onePrimary: true,
  }),
  // Entra may send a primary photo beside the one Portico serves as primary: not refused.
  multiValued<'photos', MultiValue>('photos', 'photos', core('photos', { valueType: 'reference' }), multiValueParts(['photo', 'thumbnail']), 20, { onePrimary: false }),
  multiValued<'addresses', Address>('addresses', 'addresses', core('addresses'), ADDRESS_PARTS, 20, { onePrimary: true }),
  text('employeeNumber', 'employee_number', 128, enterprise('employeeNumber')),
  text('costCenter', 'cost_center', 256, enterprise('costCenter')),
  text('organization', 'organization', 256, enterprise('organization')),
  text('division', 'division', 256, enterprise('division')),
  text('department', 'department', 256, enterprise('department')),
  // The manager's id as the client sent it (a user id of this tenant, usually).
  text('managerId', 'manager_id', 512, enterprise('manager', { sub: 'value', caseExact: true, referenceTypes: ['User'] })),
  // Attributes of schemas the domain does not model, by schema URN: kept and returned as sent.
  { name: 'extensions' as const, kind: 'extensions' as const, column: 'extensions', scim: null, rule: keptExtensionsRule.optional(), initial: () => ({}) },
] as const satisfies readonly UserAttributeDescriptor[];

export type UserAttributeName = (typeof USER_ATTRIBUTES)[number]['name'];
