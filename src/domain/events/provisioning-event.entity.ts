import { Entity, Enum, Index, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import type { ActorKind, EventSource } from '../shared/scope';

export const EVENT_TYPES = [
  'TENANT_CREATED',
  'TENANT_UPDATED',
  'USER_CREATED',
  'USER_UPDATED',
  'USER_DEACTIVATED',
  'USER_REACTIVATED',
  'USER_DELETED',
  'GROUP_CREATED',
  'GROUP_UPDATED',
  'GROUP_DELETED',
  'GROUP_MEMBERS_ADDED',
  'GROUP_MEMBERS_REMOVED',
  'ACCESS_CHANGED',
  'SIGN_IN_SUCCEEDED',
  'SIGN_IN_FAILED',
  'SIGNED_OUT',
  'SCIM_ENABLED',
  'SCIM_DISABLED',
  'SCIM_TOKEN_CREATED',
  'SCIM_TOKEN_REVOKED',
  'SCIM_REQUEST_REJECTED',
  'API_KEY_CREATED',
  'API_KEY_REVOKED',
  'SAML_CONFIGURED',
  'MAPPING_CHANGED',
  'TEAM_CHANGED',
  'USER_RESTORED',
  'USER_PURGED',
  'MASS_DEPROVISIONING',
  'USER_PHOTO_CHANGED',
  'DIRECTORY_PROVIDER_CONFIGURED',
  'DIRECTORY_PROVIDER_REMOVED',
  'DIRECTORY_SYNC_SUCCEEDED',
  'DIRECTORY_SYNC_FAILED',
  'DIRECTORY_SECRET_EXPIRING',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export const EVENT_SOURCES = ['SCIM', 'SAML', 'GRAPHQL', 'DIRECTORY_SYNC', 'SYSTEM'] as const satisfies readonly EventSource[];

export type SubjectType = 'TENANT' | 'USER' | 'GROUP' | 'TEAM' | 'MAPPING' | 'CREDENTIAL' | 'SESSION' | 'SAML_CONNECTION' | 'DIRECTORY_PROVIDER';
export type EventOutcome = 'SUCCESS' | 'FAILURE';

/** One changed attribute: old → new, with secrets already redacted. */
export interface AttributeChange {
  attribute: string;
  old: unknown;
  new: unknown;
}

/** The provisioning log. Written in the transaction of the change it describes; the id is the cursor. */
@Entity({ tableName: 'provisioning_events' })
@Index({ name: 'provisioning_events_tenant_id', properties: ['tenantId', 'id'] })
@Index({ name: 'provisioning_events_tenant_type', properties: ['tenantId', 'type', 'id'] })
@Index({ name: 'provisioning_events_tenant_type_time', properties: ['tenantId', 'type', 'occurredAt'] })
@Index({ name: 'provisioning_events_tenant_subject', properties: ['tenantId', 'subjectId', 'id'] })
@Index({ name: 'provisioning_events_tenant_time', properties: ['tenantId', 'occurredAt'] })
@Index({ name: 'provisioning_events_occurred_at', properties: ['occurredAt'] })
@Index({ name: 'provisioning_events_feed', properties: ['txId', 'id'] })
@Index({ name: 'provisioning_events_tenant_feed', properties: ['tenantId', 'txId', 'id'] })
export class ProvisioningEvent {
  [OptionalProps]?: 'actorId' | 'subjectId' | 'changes' | 'detail' | 'outcome' | 'error' | 'occurredAt' | 'txId';

  @PrimaryKey({ type: 'bigint', autoincrement: true, generated: 'by default as identity' })
  id!: string;

  @Property({ type: 'uuid' })
  tenantId!: string;

  @Property({ type: 'text' })
  type!: EventType;

  @Property({ type: 'text' })
  source!: EventSource;

  @Property({ type: 'text' })
  actorKind!: ActorKind;

  @Property({ type: 'text', nullable: true })
  actorId: string | null = null;

  @Property({ type: 'text' })
  actorLabel!: string;

  @Property({ type: 'text' })
  subjectType!: SubjectType;

  @Property({ type: 'text', nullable: true })
  subjectId: string | null = null;

  @Property({ type: 'text' })
  summary!: string;

  @Property({ type: 'json', defaultRaw: `'[]'` })
  changes: AttributeChange[] = [];

  /** Free-form detail (e.g. the rejected request a SCIM client sent), secrets redacted. */
  @Property({ type: 'json', nullable: true })
  detail: Record<string, unknown> | null = null;

  @Property({ type: 'text' })
  requestId!: string;

  // The column has no default: every insert names the outcome ('SUCCESS' is only a new entity's).
  @Enum({ items: ['SUCCESS', 'FAILURE'], ignoreSchemaChanges: ['default'] })
  outcome: EventOutcome = 'SUCCESS';

  @Property({ type: 'text', nullable: true })
  error: string | null = null;

  @Property({ type: 'timestamptz' })
  occurredAt: Date = new Date();

  /** The writing transaction (the database sets it): with `id`, the event's place in the log (see FeedPosition). */
  @Property({ type: 'string', columnType: 'xid8', defaultRaw: 'pg_current_xact_id()' })
  txId?: string;
}
