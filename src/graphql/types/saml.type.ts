import { DateTimeResolver } from 'graphql-scalars';
import { Field, InputType, ObjectType } from 'type-graphql';

@ObjectType({ simpleResolvers: true, description: 'A signing certificate the tenant trusts for its IdP.' })
export class SamlCertificate {
  @Field({ description: 'SHA-256 fingerprint.' })
  fingerprint!: string;

  @Field()
  subject!: string;

  @Field(() => DateTimeResolver)
  notBefore!: Date;

  @Field(() => DateTimeResolver, { description: 'Expiry: Entra rolls its certificate before this date.' })
  notAfter!: Date;
}

@ObjectType({ simpleResolvers: true, description: 'What to copy into Entra, and what Portico trusts of it.' })
export class SamlSettings {
  @Field({ description: 'Identifier (Entity ID) to paste into Entra.' })
  spEntityId!: string;

  @Field({ description: 'Reply URL (Assertion Consumer Service URL).' })
  acsUrl!: string;

  @Field({ description: 'Sign-on URL.' })
  loginUrl!: string;

  @Field({ description: 'Logout URL.' })
  logoutUrl!: string;

  @Field({ description: "Portico's SP metadata URL." })
  metadataUrl!: string;

  @Field({ description: 'The SP signing certificate (PEM), also in the SP metadata.' })
  spCertificate!: string;

  @Field({ description: 'An IdP entity ID, SSO URL and at least one signing certificate are configured.' })
  configured!: boolean;

  @Field(() => String, { nullable: true })
  idpEntityId!: string | null;

  @Field(() => String, { nullable: true })
  idpSsoUrl!: string | null;

  @Field(() => String, { nullable: true })
  idpSloUrl!: string | null;

  @Field(() => String, { nullable: true, description: "The IdP's federation metadata URL, when configured from one." })
  idpMetadataUrl!: string | null;

  @Field(() => [SamlCertificate])
  idpCertificates!: SamlCertificate[];

  @Field(() => DateTimeResolver, { nullable: true, description: 'When the metadata was last fetched and applied.' })
  metadataRefreshedAt!: Date | null;

  @Field(() => String, { nullable: true, description: 'Why the last refresh failed; the last good configuration stays in force.' })
  metadataRefreshError!: string | null;
}

@InputType({ description: 'One of: metadataUrl; metadataXml; or idpEntityId + ssoUrl (+ sloUrl) + certificates.' })
export class ConfigureSamlInput {
  @Field(() => String, { nullable: true, description: "Entra's App Federation Metadata URL; refreshed on a schedule." })
  metadataUrl?: string | null;

  @Field(() => String, { nullable: true, description: 'The federation metadata XML itself.' })
  metadataXml?: string | null;

  @Field(() => String, { nullable: true })
  idpEntityId?: string | null;

  @Field(() => String, { nullable: true })
  ssoUrl?: string | null;

  @Field(() => String, { nullable: true })
  sloUrl?: string | null;

  @Field(() => [String], { nullable: true, description: 'Signing certificates, PEM or base64.' })
  certificates?: string[] | null;
}
