/** Ordered permission levels: NONE < VIEWER < COLLABORATOR < ADMINISTRATOR. */
export const PERMISSION_LEVELS = ['NONE', 'VIEWER', 'COLLABORATOR', 'ADMINISTRATOR'] as const;
export type PermissionLevel = (typeof PERMISSION_LEVELS)[number];

export const levelRank = (level: PermissionLevel): number => PERMISSION_LEVELS.indexOf(level);

export const atLeast = (level: PermissionLevel, needed: PermissionLevel): boolean =>
  levelRank(level) >= levelRank(needed);

/** The higher of two levels: the merge rule of every grant. */
export const highest = (a: PermissionLevel, b: PermissionLevel): PermissionLevel =>
  levelRank(a) >= levelRank(b) ? a : b;

/** The lower of two levels: a grant capped by what its grantor holds. */
export const lowest = (a: PermissionLevel, b: PermissionLevel): PermissionLevel =>
  levelRank(a) <= levelRank(b) ? a : b;
