import { createContext, useContext } from 'react';
import type { ConsoleViewerQuery, PermissionLevel } from '../generated/graphql';

export type Viewer = ConsoleViewerQuery['viewer'];

export interface Session {
  viewer: Viewer;
  signOut: () => void;
}

export const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('no session');
  return session;
}

const ORDER: PermissionLevel[] = ['NONE', 'VIEWER', 'COLLABORATOR', 'ADMINISTRATOR'];
export const atLeast = (level: PermissionLevel, needed: PermissionLevel) => ORDER.indexOf(level) >= ORDER.indexOf(needed);

/** Whether the caller may administer (write) in a tenant: the operator, or an ADMINISTRATOR of it. */
export const isAdmin = (viewer: Viewer) => viewer.kind === 'OPERATOR' || atLeast(viewer.level, 'ADMINISTRATOR');
export const canRead = (viewer: Viewer) => viewer.kind === 'OPERATOR' || atLeast(viewer.level, 'VIEWER');

/** The tenant a screen works on: its slug, passed to every operation (an operator must name it). */
export const TenantContext = createContext<string>('');
export const useTenant = () => useContext(TenantContext);
