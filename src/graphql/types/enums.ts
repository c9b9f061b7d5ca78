import { registerEnumType } from 'type-graphql';
import { EVENT_SOURCES, EVENT_TYPES } from '../../domain/events/provisioning-event.entity';
import { PERMISSION_LEVELS } from '../../domain/shared/permission-level';

const enumOf = <T extends string>(values: readonly T[]) =>
  Object.fromEntries(values.map((v) => [v, v])) as { [K in T]: K };

export const PermissionLevelEnum = enumOf(PERMISSION_LEVELS);
registerEnumType(PermissionLevelEnum, {
  name: 'PermissionLevel',
  description: 'Ordered NONE < VIEWER < COLLABORATOR < ADMINISTRATOR; the highest grant wins.',
});

export const ViewerKindEnum = enumOf(['OPERATOR', 'API_KEY', 'USER'] as const);
registerEnumType(ViewerKindEnum, { name: 'ViewerKind' });

export const UserSourceEnum = enumOf(['SCIM', 'SAML_JIT', 'MANUAL'] as const);
registerEnumType(UserSourceEnum, {
  name: 'UserSource',
  description: 'Where a user came from; SCIM is shown as the "Microsoft Entra" badge.',
});

export const EventTypeEnum = enumOf(EVENT_TYPES);
registerEnumType(EventTypeEnum, { name: 'ProvisioningEventType' });

export const EventSourceEnum = enumOf(EVENT_SOURCES);
registerEnumType(EventSourceEnum, { name: 'ProvisioningEventSource' });

export const EventOutcomeEnum = enumOf(['SUCCESS', 'FAILURE'] as const);
registerEnumType(EventOutcomeEnum, { name: 'ProvisioningEventOutcome' });
