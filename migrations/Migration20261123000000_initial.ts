import { Migration } from '@mikro-orm/migrations';

/** The foundation schema: tenants, directory (users, groups, memberships), access, credentials, events. */
export class Migration20261123000000_initial extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table tenants (
        id uuid primary key,
        slug text not null,
        name text not null,
        scim_enabled boolean not null default false,
        fallback_team_id uuid null,
        jit_sign_in boolean not null default false,
        idp_initiated_sign_in boolean not null default false,
        created_at timestamptz not null,
        updated_at timestamptz not null,
        constraint tenants_slug_unique unique (slug)
      );`);

    this.addSql(`
      create table users (
        id uuid primary key,
        tenant_id uuid not null references tenants (id) on delete cascade deferrable initially deferred,
        user_name text not null,
        external_id text null,
        active boolean not null default true,
        display_name text null,
        given_name text null,
        family_name text null,
        middle_name text null,
        formatted_name text null,
        honorific_prefix text null,
        honorific_suffix text null,
        nick_name text null,
        title text null,
        user_type text null,
        preferred_language text null,
        locale text null,
        timezone text null,
        emails jsonb not null default '[]',
        phone_numbers jsonb not null default '[]',
        addresses jsonb not null default '[]',
        photos jsonb not null default '[]',
        employee_number text null,
        cost_center text null,
        organization text null,
        division text null,
        department text null,
        manager_id text null,
        extensions jsonb not null default '{}',
        source text not null,
        version integer not null default 1,
        created_at timestamptz not null,
        updated_at timestamptz not null,
        -- (tenant_id, id) is what rows of the same tenant reference: no row can point across tenants.
        constraint users_tenant_id_unique unique (tenant_id, id)
      );`);
    this.addSql(`create unique index users_tenant_user_name_ci on users (tenant_id, lower(user_name));`);
    this.addSql(`create index users_tenant_external_id on users (tenant_id, external_id) where external_id is not null;`);
    this.addSql(`create index users_tenant_created on users (tenant_id, created_at, id);`);

    this.addSql(`
      create table idp_groups (
        id uuid primary key,
        tenant_id uuid not null references tenants (id) on delete cascade deferrable initially deferred,
        display_name text not null,
        external_id text null,
        extensions jsonb not null default '{}',
        version integer not null default 1,
        created_at timestamptz not null,
        updated_at timestamptz not null,
        constraint idp_groups_tenant_id_unique unique (tenant_id, id)
      );`);
    this.addSql(`create unique index idp_groups_tenant_display_name_ci on idp_groups (tenant_id, lower(display_name));`);
    this.addSql(`create index idp_groups_tenant_external_id on idp_groups (tenant_id, external_id) where external_id is not null;`);

    this.addSql(`
      create table group_memberships (
        group_id uuid not null,
        user_id uuid not null,
        tenant_id uuid not null references tenants (id) on delete cascade deferrable initially deferred,
        created_at timestamptz not null default now(),
        primary key (group_id, user_id),
        foreign key (tenant_id, group_id) references idp_groups (tenant_id, id) on delete cascade deferrable initially deferred,
        foreign key (tenant_id, user_id) references users (tenant_id, id) on delete cascade deferrable initially deferred
      );`);
    this.addSql(`create index group_memberships_user_group on group_memberships (user_id, group_id);`);

    this.addSql(`
      create table teams (
        id uuid primary key,
        tenant_id uuid not null references tenants (id) on delete cascade deferrable initially deferred,
        name text not null,
        created_at timestamptz not null,
        updated_at timestamptz not null,
        constraint teams_tenant_id_unique unique (tenant_id, id)
      );`);
    this.addSql(`create unique index teams_tenant_name_ci on teams (tenant_id, lower(name));`);
    this.addSql(
      `alter table tenants add constraint tenants_fallback_team_fk foreign key (id, fallback_team_id)
       references teams (tenant_id, id) on delete set null (fallback_team_id) deferrable initially deferred;`,
    );

    this.addSql(`
      create table permission_mappings (
        id uuid primary key,
        tenant_id uuid not null references tenants (id) on delete cascade deferrable initially deferred,
        group_id uuid null,
        global_level text not null check (global_level in ('NONE', 'VIEWER', 'COLLABORATOR', 'ADMINISTRATOR')),
        updated_at timestamptz not null,
        constraint permission_mappings_tenant_id_unique unique (tenant_id, id),
        foreign key (tenant_id, group_id) references idp_groups (tenant_id, id) on delete cascade deferrable initially deferred
      );`);
    this.addSql(`create unique index permission_mappings_tenant_group on permission_mappings (tenant_id, group_id) where group_id is not null;`);
    this.addSql(`create unique index permission_mappings_tenant_default on permission_mappings (tenant_id) where group_id is null;`);

    this.addSql(`
      create table mapping_team_grants (
        mapping_id uuid not null,
        team_id uuid not null,
        tenant_id uuid not null references tenants (id) on delete cascade deferrable initially deferred,
        level text not null check (level in ('NONE', 'VIEWER', 'COLLABORATOR', 'ADMINISTRATOR')),
        primary key (mapping_id, team_id),
        foreign key (tenant_id, mapping_id) references permission_mappings (tenant_id, id) on delete cascade deferrable initially deferred,
        foreign key (tenant_id, team_id) references teams (tenant_id, id) on delete cascade deferrable initially deferred
      );`);
    this.addSql(`create index mapping_team_grants_team on mapping_team_grants (team_id);`);

    this.addSql(`
      create table credentials (
        id uuid primary key,
        tenant_id uuid null references tenants (id) on delete cascade deferrable initially deferred,
        kind text not null check (kind in ('OPERATOR', 'API_KEY', 'SCIM')),
        name text not null,
        level text not null check (level in ('NONE', 'VIEWER', 'COLLABORATOR', 'ADMINISTRATOR')),
        token_hash text not null,
        display_prefix text not null,
        created_at timestamptz not null,
        last_used_at timestamptz null,
        revoked_at timestamptz null,
        constraint credentials_token_hash_unique unique (token_hash)
      );`);
    this.addSql(`create index credentials_tenant_kind on credentials (tenant_id, kind, created_at);`);

    this.addSql(`
      create table sessions (
        id uuid primary key,
        tenant_id uuid not null references tenants (id) on delete cascade deferrable initially deferred,
        user_id uuid not null,
        token_hash text not null,
        created_at timestamptz not null,
        expires_at timestamptz not null,
        revoked_at timestamptz null,
        constraint sessions_token_hash_unique unique (token_hash),
        foreign key (tenant_id, user_id) references users (tenant_id, id) on delete cascade deferrable initially deferred
      );`);
    this.addSql(`create index sessions_user on sessions (user_id) where revoked_at is null;`);

    this.addSql(`
      create table provisioning_events (
        id bigint generated by default as identity primary key,
        tenant_id uuid not null references tenants (id) on delete cascade deferrable initially deferred,
        type text not null,
        source text not null,
        actor_kind text not null,
        actor_id text null,
        actor_label text not null,
        subject_type text not null,
        subject_id text null,
        summary text not null,
        changes jsonb not null default '[]',
        detail jsonb null,
        request_id text not null,
        outcome text not null check (outcome in ('SUCCESS', 'FAILURE')),
        error text null,
        occurred_at timestamptz not null
      );`);
    this.addSql(`create index provisioning_events_tenant_id on provisioning_events (tenant_id, id);`);
    this.addSql(`create index provisioning_events_tenant_type on provisioning_events (tenant_id, type, id);`);
    this.addSql(`create index provisioning_events_tenant_subject on provisioning_events (tenant_id, subject_id, id);`);
    this.addSql(`create index provisioning_events_tenant_time on provisioning_events (tenant_id, occurred_at);`);
  }
}
