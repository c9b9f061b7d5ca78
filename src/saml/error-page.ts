import type { ServerResponse } from 'node:http';

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/**
 * The SAML routes answer browsers: a small HTML page with the reason code (what support asks for), never a
 * stack trace. The code is also in the `X-Portico-Error` header for scripts and tests. Written on the plain
 * Node response (the ACS is answered without express too), as express's `res.type('html').send()` wrote it.
 */
export function errorPage(res: ServerResponse, status: number, code: string, message: string): void {
  if (res.headersSent) return;
  const page =
    `<!doctype html><html><head><meta charset="utf-8"><title>Sign-in failed</title></head>` +
    `<body><h1>Sign-in failed</h1><p>${escapeHtml(message)}</p><p>Reason: <code>${escapeHtml(code)}</code></p></body></html>`;
  res.statusCode = status;
  res.setHeader('X-Portico-Error', code);
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Content-Type', 'text/html; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(page, 'utf8'));
  if (res.req?.method === 'HEAD') res.end();
  else res.end(page, 'utf8');
}
