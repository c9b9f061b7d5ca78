import { z } from 'zod';
import { keptExtensionsRule } from '../directory/extension-rules';

const text = (max: number) => z.string().max(max, `must be at most ${max} characters`);
const optionalText = (max: number) => text(max).nullish();

const multiValue = z.object({
  value: text(2048),
  type: text(64).optional(),
  primary: z.boolean().optional(),
  display: text(512).optional(),
});

const address = z.object({
  formatted: text(1024).optional(),
  streetAddress: text(512).optional(),
  locality: text(256).optional(),
  region: text(256).optional(),
  postalCode: text(64).optional(),
  country: text(64).optional(),
  type: text(64).optional(),
  primary: z.boolean().optional(),
});

const onePrimary = <T extends { primary?: boolean }>(list: T[]) => list.filter((v) => v.primary).length <= 1;

/** At most this many e-mail addresses, and as many phone numbers, per user. */
export const MAX_MULTI_VALUES = 50;
/** The most values each multi-valued attribute may hold, by lower-case name (SCIM PATCH checks them as it applies). */
export const MAX_USER_VALUES = { emails: MAX_MULTI_VALUES, phonenumbers: MAX_MULTI_VALUES, addresses: 20, photos: 20 } as const;
/** The most values of a multi-valued attribute that is only kept (roles, entitlements, extension lists). */
export const MAX_KEPT_VALUES = 50;

/** Every user attribute the domain models; SCIM and GraphQL both validate through this rule. */
export const userAttributesRule = z.object({
  userName: z.string().trim().min(1, 'is required').max(256, 'must be at most 256 characters'),
  externalId: optionalText(512),
  active: z.boolean().optional(),
  displayName: optionalText(512),
  givenName: optionalText(256),
  familyName: optionalText(256),
  middleName: optionalText(256),
  formattedName: optionalText(1024),
  honorificPrefix: optionalText(64),
  honorificSuffix: optionalText(64),
  nickName: optionalText(256),
  title: optionalText(256),
  userType: optionalText(128),
  preferredLanguage: optionalText(64),
  locale: optionalText(64),
  timezone: optionalText(64),
  emails: z.array(multiValue).max(MAX_USER_VALUES.emails).refine(onePrimary, 'at most one may be primary').optional(),
  phoneNumbers: z.array(multiValue).max(MAX_USER_VALUES.phonenumbers).refine(onePrimary, 'at most one may be primary').optional(),
  addresses: z.array(address).max(MAX_USER_VALUES.addresses).refine(onePrimary, 'at most one may be primary').optional(),
  photos: z.array(multiValue).max(MAX_USER_VALUES.photos).optional(),
  employeeNumber: optionalText(128),
  costCenter: optionalText(256),
  organization: optionalText(256),
  division: optionalText(256),
  department: optionalText(256),
  managerId: optionalText(512),
  extensions: keptExtensionsRule.optional(),
});

export type UserAttributes = z.infer<typeof userAttributesRule>;

/** Attributes compared for change events, in the order they are reported. */
export const TRACKED_USER_ATTRIBUTES = [
  'userName',
  'externalId',
  'active',
  'displayName',
  'givenName',
  'familyName',
  'middleName',
  'formattedName',
  'honorificPrefix',
  'honorificSuffix',
  'nickName',
  'title',
  'userType',
  'preferredLanguage',
  'locale',
  'timezone',
  'emails',
  'phoneNumbers',
  'addresses',
  'photos',
  'employeeNumber',
  'costCenter',
  'organization',
  'division',
  'department',
  'managerId',
  'extensions',
] as const satisfies readonly (keyof UserAttributes)[];

export const userFilterRule = z.object({
  userName: z.string().max(256).optional(),
  active: z.boolean().optional(),
  search: z.string().max(256).optional(),
});
