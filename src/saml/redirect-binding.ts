import { inflateRawSync } from 'node:zlib';

const KEYS = new Set(['SAMLRequest', 'SAMLResponse', 'RelayState', 'SigAlg', 'Signature']);
const MAX_DEFLATED_BYTES = 32 * 1024;
const MAX_INFLATED_BYTES = 256 * 1024;

/**
 * The query of an HTTP-Redirect binding message, read strictly: only the binding's own keys, spelled
 * literally, each at most once, nothing else. node-saml rebuilds the signed string from the raw query by
 * pattern and reads the values from the parsed one; any leeway between the two (encoded or repeated keys,
 * a query past the parser's key limit) lets a forged message borrow a genuine signature. Also refuses a
 * message that would inflate past a sane size before its signature is checked. `xml` is the inflated
 * message (SAMLRequest or SAMLResponse), for reading once its signature is verified.
 */
export function strictRedirectQuery(rawQuery: string): { values: Record<string, string>; query: string; xml: string | null } {
  const values: Record<string, string> = {};
  const tokens = rawQuery.split('&').filter(Boolean);
  for (const token of tokens) {
    const eq = token.indexOf('=');
    const key = eq < 0 ? token : token.slice(0, eq);
    if (!KEYS.has(key)) throw new Error(`Unexpected query parameter "${key.slice(0, 40)}"`);
    if (key in values) throw new Error(`The query repeats ${key}`);
    try {
      values[key] = decodeURIComponent(token.slice(eq + 1).replace(/\+/g, ' '));
    } catch {
      throw new Error(`${key} is not URL-encoded correctly`);
    }
  }
  const message = values.SAMLRequest ?? values.SAMLResponse;
  let xml: string | null = null;
  if (message !== undefined) {
    const deflated = Buffer.from(message, 'base64');
    if (deflated.length > MAX_DEFLATED_BYTES) throw new Error('The message is too large');
    try {
      xml = inflateRawSync(deflated, { maxOutputLength: MAX_INFLATED_BYTES }).toString('utf8');
    } catch {
      throw new Error('The message does not inflate to a reasonable size');
    }
  }
  return { values, query: tokens.join('&'), xml };
}
