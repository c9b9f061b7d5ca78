import type { User } from './user.entity';
import { TRACKED_USER_ATTRIBUTES, type UserAttributes } from './user-rules';

/** The modeled attributes with absent ones cleared, as a full replacement. */
export function withDefaults(a: UserAttributes): Pick<User, (typeof TRACKED_USER_ATTRIBUTES)[number]> {
  return {
    userName: a.userName,
    externalId: a.externalId ?? null,
    active: a.active ?? true,
    displayName: a.displayName ?? null,
    givenName: a.givenName ?? null,
    familyName: a.familyName ?? null,
    middleName: a.middleName ?? null,
    formattedName: a.formattedName ?? null,
    honorificPrefix: a.honorificPrefix ?? null,
    honorificSuffix: a.honorificSuffix ?? null,
    nickName: a.nickName ?? null,
    title: a.title ?? null,
    userType: a.userType ?? null,
    preferredLanguage: a.preferredLanguage ?? null,
    locale: a.locale ?? null,
    timezone: a.timezone ?? null,
    emails: a.emails ?? [],
    phoneNumbers: a.phoneNumbers ?? [],
    addresses: a.addresses ?? [],
    photos: a.photos ?? [],
    employeeNumber: a.employeeNumber ?? null,
    costCenter: a.costCenter ?? null,
    organization: a.organization ?? null,
    division: a.division ?? null,
    department: a.department ?? null,
    managerId: a.managerId ?? null,
    extensions: a.extensions ?? {},
  };
}

export function pickAttributes(user: User): UserAttributes {
  const picked: Record<string, unknown> = {};
  for (const key of TRACKED_USER_ATTRIBUTES) picked[key] = user[key];
  return picked as UserAttributes;
}
