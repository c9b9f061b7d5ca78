/** The public URLs Portico hands out, all derived from PUBLIC_URL. */
export const scimBaseUrl = (publicUrl: string, tenantSlug: string): string => `${publicUrl}/api/${tenantSlug}/scim/v2`;

export const graphqlUrl = (publicUrl: string): string => `${publicUrl}/graphql`;

export const samlBaseUrl = (publicUrl: string, tenantSlug: string): string => `${publicUrl}/api/${tenantSlug}/saml`;
