import { DateTimeResolver } from 'graphql-scalars';
import { Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import type { SyncRecord } from '../../domain/directory-provider/directory-provider.repository';
import type { DirectoryProviderView } from '../../domain/directory-provider/directory-provider.service';

export enum DirectorySyncState {
  RUNNING = 'RUNNING',
  SUCCEEDED = 'SUCCEEDED',
  FAILED = 'FAILED',
}
registerEnumType(DirectorySyncState, { name: 'DirectorySyncState' });

@ObjectType({ simpleResolvers: true, description: 'One sync of profile photos from Microsoft Graph.' })
export class DirectorySync {
  @Field(() => ID)
  id!: string;

  @Field(() => DirectorySyncState)
  state!: DirectorySyncState;

  @Field({ description: 'SCHEDULE or ON_DEMAND.' })
  trigger!: string;

  @Field(() => DateTimeResolver)
  startedAt!: Date;

  @Field(() => DateTimeResolver, { nullable: true })
  finishedAt!: Date | null;

  @Field(() => Int, { description: 'Photos new or changed in Entra, downloaded and stored.' })
  photosDownloaded!: number;

  @Field(() => Int, { description: 'Photos whose ETag is the one seen at the last sync: nothing downloaded.' })
  photosUnchanged!: number;

  @Field(() => Int, { description: 'Users skipped this time: photo over 5 MB, too slow, throttled too long, not an image, or unknown to Graph.' })
  photosSkipped!: number;

  @Field(() => Int, { description: 'Users without a photo in Entra (they keep the avatar they had).' })
  usersWithoutPhoto!: number;

  @Field(() => String, { nullable: true, description: 'Why the sync failed, and what to do about it.' })
  error!: string | null;
}

@ObjectType({ simpleResolvers: true, description: 'Microsoft Entra ID connected as directory provider (profile photos through Microsoft Graph). The secret is never returned.' })
export class DirectoryProvider {
  @Field({ description: 'Directory (tenant) ID of the app registration.' })
  directoryTenantId!: string;

  @Field({ description: 'Application (client) ID.' })
  clientId!: string;

  @Field(() => DateTimeResolver, { nullable: true, description: 'When the client secret expires, as the administrator entered it.' })
  secretExpiresAt!: Date | null;

  @Field(() => Int, { nullable: true, description: 'Whole days until the secret expires (negative once it has).' })
  secretExpiresInDays!: number | null;

  @Field(() => DateTimeResolver)
  configuredAt!: Date;

  @Field(() => DirectorySync, { nullable: true })
  lastSync!: DirectorySync | null;
}

@ObjectType({ simpleResolvers: true, description: 'The result of *Test connection*.' })
export class DirectoryProviderTest {
  @Field()
  ok!: boolean;

  @Field({ description: 'What happened, and what to do when it failed.' })
  message!: string;
}

@InputType()
export class DirectoryProviderInput {
  @Field({ description: 'Directory (tenant) ID from the app registration\'s Overview page.' })
  directoryTenantId!: string;

  @Field({ description: 'Application (client) ID.' })
  clientId!: string;

  @Field({ description: "The client secret's Value (not its Secret ID). Stored encrypted, never returned." })
  clientSecret!: string;

  @Field(() => DateTimeResolver, { nullable: true, description: 'When the secret expires (Azure shows it beside the secret).' })
  secretExpiresAt?: Date | null;
}

export const toDirectorySync = (s: SyncRecord): DirectorySync => ({ ...s, state: s.state as DirectorySyncState });

export const toDirectoryProvider = (v: DirectoryProviderView): DirectoryProvider => ({
  ...v,
  lastSync: v.lastSync && toDirectorySync(v.lastSync),
});
