import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Bearer secrets (operator token, API keys, SCIM tokens, sessions) are random, prefixed by their kind so a
 * leaked one is recognisable, and stored only as a SHA-256 hash plus a short display prefix.
 */
export type TokenKind = 'operator' | 'apiKey' | 'scim' | 'session';

const PREFIXES: Record<TokenKind, string> = {
  operator: 'pto_',
  apiKey: 'ptk_',
  scim: 'ptscim_',
  session: 'pts_',
};

export interface IssuedToken {
  /** The raw token: shown to its owner once, never stored. */
  token: string;
  hash: string;
  /** Enough to recognise the token in a list, not enough to use it. */
  displayPrefix: string;
}

export function issueToken(kind: TokenKind): IssuedToken {
  const token = PREFIXES[kind] + randomBytes(32).toString('base64url');
  return { token, hash: hashToken(token), displayPrefix: displayPrefixOf(token) };
}

export const hashToken = (token: string): string => createHash('sha256').update(token, 'utf8').digest('hex');

export const displayPrefixOf = (token: string): string => token.slice(0, token.indexOf('_') + 7);

export function tokenKindOf(token: string): TokenKind | undefined {
  return (Object.keys(PREFIXES) as TokenKind[]).find((kind) => token.startsWith(PREFIXES[kind]));
}

/** Constant-time comparison of two hex hashes. */
export function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && timingSafeEqual(x, y);
}
