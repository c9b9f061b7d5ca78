import { z } from 'zod';

/** Lowercase letters, digits and dashes, 2–63 characters, starting and ending with a letter or digit. */
export const tenantSlugRule = z
  .string()
  .min(2, 'must be at least 2 characters')
  .max(63, 'must be at most 63 characters')
  .regex(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/, 'may hold only lowercase letters, digits and inner dashes');

export const tenantNameRule = z.string().trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters');

export const createTenantRule = z.object({
  slug: tenantSlugRule,
  name: tenantNameRule.optional(),
});

export const tenantSettingsRule = z.object({
  jitSignIn: z.boolean().optional(),
  idpInitiatedSignIn: z.boolean().optional(),
});
