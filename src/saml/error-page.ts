import type { Response } from 'express';

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/**
 * The SAML routes answer browsers: a small HTML page with the reason code (what support asks for), never a
 * stack trace. The code is also in the `X-Portico-Error` header for scripts and tests.
 */
export function errorPage(res: Response, status: number, code: string, message: string): void {
  if (res.headersSent) return;
  res
    .status(status)
    .setHeader('X-Portico-Error', code)
    .setHeader('Cache-Control', 'no-store')
    .type('html')
    .send(
      `<!doctype html><html><head><meta charset="utf-8"><title>Sign-in failed</title></head>` +
        `<body><h1>Sign-in failed</h1><p>${escapeHtml(message)}</p><p>Reason: <code>${escapeHtml(code)}</code></p></body></html>`,
    );
}
