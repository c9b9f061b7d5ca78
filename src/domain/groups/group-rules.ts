import { z } from 'zod';
import { keptExtensionsRule } from '../directory/extension-rules';

export const groupAttributesRule = z.object({
  displayName: z.string().trim().min(1, 'is required').max(256, 'must be at most 256 characters'),
  externalId: z.string().max(512, 'must be at most 512 characters').nullish(),
  extensions: keptExtensionsRule.optional(),
});
export type GroupAttributes = z.infer<typeof groupAttributesRule>;

/** A membership batch: Entra sends up to a few hundred ids per PATCH. */
export const memberIdsRule = z.array(z.string()).max(10_000, 'at most 10,000 members per change');

/** The filter of the groups list (GraphQL `groups(filter:)`). */
export const groupFilterRule = z.object({
  search: z.string().max(256, 'must be at most 256 characters').optional(),
});
export type GroupFilter = z.infer<typeof groupFilterRule>;
