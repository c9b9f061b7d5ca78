import { z } from 'zod';
import { USER_ATTRIBUTES, type UserAttributeName } from './user-attributes';

export { MAX_MULTI_VALUES } from './user-attributes';

/** The most values each multi-valued attribute may hold, by lower-case name (SCIM PATCH checks them as it applies). */
export const MAX_USER_VALUES: Readonly<Record<string, number>> = Object.fromEntries(
  USER_ATTRIBUTES.flatMap((a) => ('maxValues' in a ? [[a.name.toLowerCase(), a.maxValues]] : [])),
);
/** The most values of a multi-valued attribute that is only kept (roles, entitlements, extension lists). */
export const MAX_KEPT_VALUES = 50;

type Descriptor = (typeof USER_ATTRIBUTES)[number];
type RuleShape = { [D in Descriptor as D['name']]: D['rule'] };

/** Every user attribute the domain models; SCIM and GraphQL both validate through this rule. */
export const userAttributesRule = z.object(Object.fromEntries(USER_ATTRIBUTES.map((a) => [a.name, a.rule])) as RuleShape);

export type UserAttributes = z.infer<typeof userAttributesRule>;

/** Attributes compared for change events, in the order they are reported: every modeled attribute. */
export const TRACKED_USER_ATTRIBUTES: readonly UserAttributeName[] = USER_ATTRIBUTES.map((a) => a.name);

export const userFilterRule = z.object({
  userName: z.string().max(256).optional(),
  active: z.boolean().optional(),
  search: z.string().max(256).optional(),
});
