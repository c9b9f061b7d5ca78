import type { User } from './user.entity';
import { USER_ATTRIBUTES, type UserAttributeName } from './user-attributes';
import type { UserAttributes } from './user-rules';

/** The modeled attributes with absent ones cleared (each to its descriptor's initial value), as a full replacement. */
export function withDefaults(a: UserAttributes): Pick<User, UserAttributeName> {
  const values: Record<string, unknown> = {};
  for (const attribute of USER_ATTRIBUTES) {
    const given = a[attribute.name];
    values[attribute.name] = given ?? ('initial' in attribute ? attribute.initial() : given);
  }
  return values as Pick<User, UserAttributeName>;
}

/** A user's modeled attributes, as the rule describes them. */
export function pickAttributes(user: User): UserAttributes {
  const picked: Record<string, unknown> = {};
  for (const attribute of USER_ATTRIBUTES) picked[attribute.name] = user[attribute.name];
  return picked as UserAttributes;
}
