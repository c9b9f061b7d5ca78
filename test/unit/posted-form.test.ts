import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { FormRefusal, readPostedForm } from '../../src/saml/posted-form';

/** A request carrying `body` in chunks, with these headers (a Content-Length unless given). */
function posted(body: string, headers: Record<string, string> = {}, chunkSize = 7): IncomingMessage {
  const bytes = Buffer.from(body, 'utf8');
  const chunks = Array.from({ length: Math.ceil(bytes.length / chunkSize) }, (_, i) => bytes.subarray(i * chunkSize, (i + 1) * chunkSize));
  return Object.assign(Readable.from(chunks), {
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': String(bytes.length), ...headers },
  }) as unknown as IncomingMessage;
}

describe('the form of a SAML POST binding', () => {
  it('decodes fields as express urlencoded parser does: + is a space, a field with a malformed escape stays as it was sent', async () => {
    const form = await readPostedForm(posted('SAMLResponse=PD94+bWw%2B%3D&RelayState=%2Fa%20b%ZZ&flag&=x&'), 1024);
    expect({ ...form }).toEqual({ SAMLResponse: 'PD94 bWw+=', RelayState: '%2Fa%20b%ZZ', flag: '' });
    expect(Object.getPrototypeOf(form)).toBeNull();
  });

  it('keeps every value of a field posted twice (no valid single value)', async () => {
    expect({ ...(await readPostedForm(posted('SAMLResponse=a&SAMLResponse=b'), 1024)) }).toEqual({ SAMLResponse: ['a', 'b'] });
  });

  it('has no form for another content type or without a body; reads multi-byte UTF-8 split across chunks', async () => {
    expect({ ...(await readPostedForm(posted('SAMLResponse=x', { 'content-type': 'text/plain' }), 1024)) }).toEqual({});
    expect({ ...(await readPostedForm(posted('', {}), 1024)) }).toEqual({});
    expect((await readPostedForm(posted('RelayState=/café/ü', { 'content-type': 'Application/X-WWW-Form-Urlencoded; Charset=UTF-8' }, 3), 1024)).RelayState).toBe('/café/ü');
  });

  it('refuses another charset or content encoding, a body over the limit (declared or sent), more than ten fields', async () => {
    const refusal = (request: IncomingMessage, limit = 1024) => readPostedForm(request, limit).then(() => null, (error: FormRefusal) => [error.status, error.code]);
    expect(await refusal(posted('a=1', { 'content-type': 'application/x-www-form-urlencoded; charset=latin1' }))).toEqual([415, 'UNSUPPORTED_CHARSET']);
    expect(await refusal(posted('a=1', { 'content-encoding': 'gzip' }))).toEqual([415, 'UNSUPPORTED_ENCODING']);
    expect(await refusal(posted('a=12345678901'), 10)).toEqual([413, 'TOO_LARGE']);
    expect(await refusal(posted('a=12345678901', { 'content-length': '3' }), 10)).toEqual([413, 'TOO_LARGE']);
    expect(await refusal(posted(Array.from({ length: 11 }, (_, i) => `f${i}=1`).join('&')))).toEqual([413, 'TOO_MANY_FIELDS']);
    expect(await refusal(posted(Array.from({ length: 10 }, (_, i) => `f${i}=1`).join('&')))).toBeNull();
  });
});
