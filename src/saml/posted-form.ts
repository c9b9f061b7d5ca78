import type { IncomingMessage } from 'node:http';

/** A form field posted once is a string; one posted several times is every value (and is no valid field). */
export type PostedForm = Record<string, string | string[]>;

/** Why a posted form was not read: answered with this status and code. */
export class FormRefusal extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const MAX_FIELDS = 10;

/**
 * The `application/x-www-form-urlencoded` body of a SAML POST binding (the IdP's auto-submitted form), read
 * in one piece up to `limit` bytes. A request of another content type has no form (an empty one), as with
 * express's urlencoded parser; a body in another charset or content encoding, too large, or of more than
 * ten fields is refused. Values are decoded as that parser decodes them (`+` is a space; a malformed
 * percent-escape is kept as it is).
 */
export async function readPostedForm(req: IncomingMessage, limit: number): Promise<PostedForm> {
  const contentType = req.headers['content-type'] ?? '';
  const [mediaType, ...parameters] = contentType.split(';');
  if (mediaType.trim().toLowerCase() !== 'application/x-www-form-urlencoded') return Object.create(null) as PostedForm;
  if (req.headers['transfer-encoding'] === undefined && req.headers['content-length'] === undefined) return Object.create(null) as PostedForm;
  const charset = parameters.map((p) => p.trim().toLowerCase()).find((p) => p.startsWith('charset='));
  if (charset !== undefined && !['charset=utf-8', 'charset="utf-8"'].includes(charset)) {
    throw new FormRefusal(415, 'UNSUPPORTED_CHARSET', 'The form must be sent in UTF-8.');
  }
  const encoding = (req.headers['content-encoding'] ?? 'identity').toLowerCase();
  if (encoding !== 'identity') throw new FormRefusal(415, 'UNSUPPORTED_ENCODING', 'The form must be sent without a content encoding.');
  const declared = Number(req.headers['content-length']);
  if (declared > limit) throw new FormRefusal(413, 'TOO_LARGE', 'The form is too large.');
  return parseForm(await bodyOf(req, limit));
}

function bodyOf(req: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.off('data', onData);
        req.resume();
        reject(new FormRefusal(413, 'TOO_LARGE', 'The form is too large.'));
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => resolve(chunks.length === 1 ? chunks[0].toString('utf8') : Buffer.concat(chunks, size).toString('utf8')));
    req.once('error', () => reject(new FormRefusal(400, 'BAD_REQUEST', 'The form could not be read.')));
  });
}

function decodeField(text: string): string {
  const spaced = text.includes('+') ? text.replace(/\+/g, ' ') : text;
  try {
    return decodeURIComponent(spaced);
  } catch {
    return spaced;
  }
}

function parseForm(body: string): PostedForm {
  const form = Object.create(null) as PostedForm;
  if (body.length === 0) return form;
  const fields = body.split('&');
  if (fields.length > MAX_FIELDS) throw new FormRefusal(413, 'TOO_MANY_FIELDS', 'The form has too many fields.');
  for (const field of fields) {
    const eq = field.indexOf('=');
    const name = decodeField(eq < 0 ? field : field.slice(0, eq));
    if (!name) continue;
    const value = eq < 0 ? '' : decodeField(field.slice(eq + 1));
    const before = form[name];
    form[name] = before === undefined ? value : [...(Array.isArray(before) ? before : [before]), value];
  }
  return form;
}
