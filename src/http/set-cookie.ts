import type { ServerResponse } from 'node:http';

export interface CookieOptions {
  path: string;
  httpOnly?: boolean;
  secure?: boolean;
  sameSite?: 'lax' | 'none' | 'strict';
  /** When the cookie ends; a session cookie without. */
  expires?: Date;
  /** Lifetime in milliseconds: written as Max-Age (seconds) and Expires, as express's `res.cookie` does. */
  maxAge?: number;
}

const SAME_SITE = { lax: 'Lax', none: 'None', strict: 'Strict' } as const;

/**
 * Appends a Set-Cookie header written as express's `res.cookie` writes it (value URI-encoded; Max-Age, Path,
 * Expires, HttpOnly, Secure, SameSite in that order), on a plain Node response: for routes answered without
 * express, and the same bytes through it.
 */
export function appendCookie(res: ServerResponse, name: string, value: string, options: CookieOptions): void {
  let cookie = `${name}=${encodeURIComponent(value)}`;
  let expires = options.expires;
  if (options.maxAge !== undefined) {
    expires = new Date(Date.now() + options.maxAge);
    cookie += `; Max-Age=${Math.floor(options.maxAge / 1000)}`;
  }
  cookie += `; Path=${options.path}`;
  if (expires) cookie += `; Expires=${expires.toUTCString()}`;
  if (options.httpOnly) cookie += '; HttpOnly';
  if (options.secure) cookie += '; Secure';
  if (options.sameSite) cookie += `; SameSite=${SAME_SITE[options.sameSite]}`;
  const before = res.getHeader('Set-Cookie');
  res.setHeader('Set-Cookie', before === undefined ? [cookie] : [...(Array.isArray(before) ? before : [String(before)]), cookie]);
}

/** Ends a cookie, as express's `res.clearCookie` does (empty value, expired at the epoch). */
export function clearCookie(res: ServerResponse, name: string, options: Omit<CookieOptions, 'expires' | 'maxAge'>): void {
  appendCookie(res, name, '', { ...options, expires: new Date(1) });
}
