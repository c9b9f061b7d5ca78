import type { ServerResponse } from 'node:http';
import { serialize } from 'cookie';

export interface CookieOptions {
  path: string;
  httpOnly?: boolean;
  secure?: boolean;
  sameSite?: 'lax' | 'none' | 'strict';
  /** When the cookie ends; a session cookie without. */
  expires?: Date;
}

/**
 * Appends a Set-Cookie header on a plain Node response, serialised by the `cookie` package as express's
 * `res.cookie` serialises it: for routes answered without express, the same bytes as through it.
 */
export function appendCookie(res: ServerResponse, name: string, value: string, options: CookieOptions): void {
  const cookie = serialize(name, value, options);
  const before = res.getHeader('Set-Cookie');
  res.setHeader('Set-Cookie', before === undefined ? [cookie] : [...(Array.isArray(before) ? before : [String(before)]), cookie]);
}

/** Ends a cookie, as express's `res.clearCookie` does (empty value, expired at the epoch). */
export function clearCookie(res: ServerResponse, name: string, options: Omit<CookieOptions, 'expires'>): void {
  appendCookie(res, name, '', { ...options, expires: new Date(1) });
}
