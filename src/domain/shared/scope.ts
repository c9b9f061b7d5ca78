import type { PermissionLevel } from './permission-level';

/** Where a command came from; recorded on every provisioning event. */
export type EventSource = 'SCIM' | 'SAML' | 'GRAPHQL' | 'DIRECTORY_SYNC' | 'SYSTEM';

export type ActorKind = 'OPERATOR' | 'API_KEY' | 'USER' | 'SCIM_CLIENT' | 'SYSTEM';

/** Who is acting. `level` is what the actor may do inside its tenant (the operator may do anything anywhere). */
export interface Actor {
  kind: ActorKind;
  /** Credential id, user id, or null for the operator and the system. */
  id: string | null;
  /** Human-readable label for the provisioning log (never a secret). */
  label: string;
  /** Tenant the actor belongs to; null for the operator and the system. */
  tenantId: string | null;
  level: PermissionLevel;
  /** The session a signed-in user acts through (so signing out ends exactly that one). */
  sessionId?: string;
}

/** The caller of a platform-wide command (no tenant yet: tenant creation and listing). */
export interface CallContext {
  actor: Actor;
  source: EventSource;
  requestId: string;
}

/** The caller of a tenant command: every service method of a tenant takes one first. */
export interface Scope extends CallContext {
  tenantId: string;
}

export const systemActor = (label = 'system'): Actor => ({
  kind: 'SYSTEM',
  id: null,
  label,
  tenantId: null,
  level: 'ADMINISTRATOR',
});
