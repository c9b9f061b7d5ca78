/** The public URLs Portico hands out, all derived from PUBLIC_URL. */
export const scimBaseUrl = (publicUrl: string, tenantSlug: string): string => `${publicUrl}/api/${tenantSlug}/scim/v2`;

export const graphqlUrl = (publicUrl: string): string => `${publicUrl}/graphql`;

export const samlBaseUrl = (publicUrl: string, tenantSlug: string): string => `${publicUrl}/api/${tenantSlug}/saml`;

/** A tenant's SAML SP URLs; the entity ID is the SP metadata URL. */
export function samlSpUrls(publicUrl: string, tenantSlug: string) {
  const base = samlBaseUrl(publicUrl, tenantSlug);
  return {
    entityId: `${base}/metadata`,
    metadataUrl: `${base}/metadata`,
    acsUrl: `${base}/acs`,
    loginUrl: `${base}/login`,
    logoutUrl: `${base}/logout`,
  };
}

export type SamlSpUrls = ReturnType<typeof samlSpUrls>;

/** Where a user's photo is served (SPEC §6). */
export const userPhotoUrl = (publicUrl: string, tenantSlug: string, userId: string): string =>
  `${publicUrl}/api/${tenantSlug}/users/${userId}/photo`;
