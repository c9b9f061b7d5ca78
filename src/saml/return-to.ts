/**
 * Where to send the browser after sign-in: a same-origin relative path (`/…`, not `//host` nor `/\host`,
 * no scheme, no control characters), else "/". RelayState and returnTo come from the outside; anything that
 * could leave this origin is an open redirect.
 */
export function safeReturnTo(value: unknown, publicUrl: string): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 2048) return '/';
  if (!value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\')) return '/';
  // Browsers drop tabs and newlines and treat backslashes as slashes: refuse rather than guess.
  if ([...value].some((c) => c.charCodeAt(0) < 0x20 || c === '\u007f' || c === '\\')) return '/';
  try {
    const origin = new URL(publicUrl).origin;
    const resolved = new URL(value, origin);
    if (resolved.origin !== origin) return '/';
    // Checked again after normalising: `/.//evil.example` resolves to the path `//evil.example`.
    const path = `${resolved.pathname}${resolved.search}${resolved.hash}`;
    return path.startsWith('//') || path.startsWith('/\\') ? '/' : path;
  } catch {
    return '/';
  }
}
