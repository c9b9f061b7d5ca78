const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const isGuid = (value: string): boolean => GUID.test(value);

/**
 * How Graph is asked for a user (SPEC §6): the externalId when it is a GUID (the Entra mapping sends
 * objectId), else the objectidentifier claim seen at SAML sign-in, else the userName (Graph accepts the
 * userPrincipalName in place of the id; Entra's default mapping sends mailNickname as externalId).
 */
export function graphUserRef(user: { externalId: string | null; idpObjectId: string | null; userName: string }): string {
  if (user.externalId && isGuid(user.externalId)) return user.externalId;
  if (user.idpObjectId && isGuid(user.idpObjectId)) return user.idpObjectId;
  return user.userName;
}
