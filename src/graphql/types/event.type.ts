import { DateTimeResolver, JSONResolver } from 'graphql-scalars';
import { Field, ID, InputType, ObjectType } from 'type-graphql';
import type { ProvisioningEvent } from '../../domain/events/provisioning-event.entity';
import { Connection } from './connection';
import { EventOutcomeEnum, EventSourceEnum, EventTypeEnum } from './enums';

@ObjectType({ simpleResolvers: true })
export class AttributeChange {
  @Field()
  attribute!: string;

  @Field(() => JSONResolver, { nullable: true })
  old!: unknown;

  @Field(() => JSONResolver, { nullable: true })
  new!: unknown;
}

@ObjectType({ simpleResolvers: true })
export class EventActor {
  @Field()
  kind!: string;

  @Field(() => String, { nullable: true })
  id!: string | null;

  @Field()
  label!: string;
}

@ObjectType('ProvisioningEvent', { simpleResolvers: true })
export class ProvisioningEventNode {
  @Field(() => ID)
  id!: string;

  @Field({ description: 'Pass as `after` to the provisioningEvents subscription to continue after this event (list paging uses the edge cursor).' })
  cursor!: string;

  @Field(() => EventTypeEnum)
  type!: string;

  @Field(() => EventSourceEnum)
  source!: string;

  @Field(() => EventOutcomeEnum)
  outcome!: string;

  @Field(() => String, { nullable: true })
  error!: string | null;

  @Field(() => EventActor)
  actor!: EventActor;

  @Field()
  subjectType!: string;

  @Field(() => String, { nullable: true })
  subjectId!: string | null;

  @Field()
  summary!: string;

  @Field(() => [AttributeChange])
  changes!: AttributeChange[];

  @Field(() => JSONResolver, { nullable: true })
  detail!: unknown;

  @Field()
  requestId!: string;

  @Field(() => DateTimeResolver)
  occurredAt!: Date;
}

export const toEventNode = (e: ProvisioningEvent, cursor: string): ProvisioningEventNode => ({
  id: e.id,
  cursor,
  type: e.type,
  source: e.source,
  outcome: e.outcome,
  error: e.error,
  actor: { kind: e.actorKind, id: e.actorId, label: e.actorLabel },
  subjectType: e.subjectType,
  subjectId: e.subjectId,
  summary: e.summary,
  changes: e.changes,
  detail: e.detail,
  requestId: e.requestId,
  occurredAt: e.occurredAt,
});

@ObjectType({ simpleResolvers: true })
export class ProvisioningEventConnection extends Connection('ProvisioningEvent', ProvisioningEventNode) {}

@InputType()
export class ProvisioningEventFilter {
  @Field(() => [EventTypeEnum], { nullable: true })
  types?: string[] | null;

  @Field(() => [EventSourceEnum], { nullable: true })
  sources?: string[] | null;

  @Field(() => EventOutcomeEnum, { nullable: true })
  outcome?: string | null;

  @Field(() => String, { nullable: true })
  subjectType?: string | null;

  @Field(() => String, { nullable: true })
  subjectId?: string | null;

  @Field(() => DateTimeResolver, { nullable: true })
  from?: Date | null;

  @Field(() => DateTimeResolver, { nullable: true })
  to?: Date | null;
}
