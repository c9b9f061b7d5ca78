import type { ServerResponse } from 'node:http';

/** What express's `encodeurl` leaves as it is in a Location: everything else is percent-encoded. */
const NOT_URL_SAFE = /(?:[^\x21\x23-\x3B\x3D\x3F-\x5F\x61-\x7A\x7C\x7E]|%(?:[^0-9A-Fa-f]|[0-9A-Fa-f][^0-9A-Fa-f]|$))+/g;
const UNPAIRED_SURROGATE = /(^|[^\uD800-\uDBFF])[\uDC00-\uDFFF]|[\uD800-\uDBFF]([^\uDC00-\uDFFF]|$)/g;

/**
 * 303 See Other to `location` (a same-origin path or URL), with no body: the browser follows the Location and
 * never shows one, so there is nothing to negotiate (express's `res.redirect` builds a page per Accept header).
 */
export function seeOther(res: ServerResponse, location: string): void {
  res.statusCode = 303;
  res.setHeader('Location', location.replace(UNPAIRED_SURROGATE, '$1\uFFFD$2').replace(NOT_URL_SAFE, encodeURI));
  res.setHeader('Content-Length', 0);
  res.end();
}
