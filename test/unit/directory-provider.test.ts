import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { GraphProblem } from '../../src/domain/directory-provider/graph-port';
import { graphUserRef } from '../../src/domain/directory-provider/graph-reference';
import { adviceFor } from '../../src/domain/directory-provider/problem-advice';
import { photoEtagOf, sniffImageType } from '../../src/domain/photos/image-type';
import { htmlPayload, svgPayload, tinyGif, tinyJpeg, tinyPng, tinyWebp } from '../fixtures/images';

describe('image type by content', () => {
  it('knows PNG, JPEG, GIF and WebP by their bytes', () => {
    expect(sniffImageType(tinyPng())).toBe('image/png');
    expect(sniffImageType(tinyJpeg())).toBe('image/jpeg');
    expect(sniffImageType(tinyGif())).toBe('image/gif');
    expect(sniffImageType(tinyWebp())).toBe('image/webp');
  });

  it('refuses what can carry script, and anything else', () => {
    expect(sniffImageType(svgPayload())).toBeNull();
    expect(sniffImageType(htmlPayload())).toBeNull();
    expect(sniffImageType(Buffer.alloc(0))).toBeNull();
    expect(sniffImageType(Buffer.from('RIFF\0\0\0\0WAVE'))).toBeNull();
  });

  it('never calls text an image', () => {
    fc.assert(fc.property(fc.string(), (text) => sniffImageType(Buffer.from(text, 'utf8')) === null || /^(GIF8[79]a|RIFF)/.test(text)));
  });

  it('gives different bytes different quoted ETags', () => {
    expect(photoEtagOf(tinyPng())).toMatch(/^"[\w-]{27}"$/);
    expect(photoEtagOf(tinyPng())).toBe(photoEtagOf(tinyPng()));
    expect(photoEtagOf(tinyPng())).not.toBe(photoEtagOf(tinyGif()));
  });
});

describe('how Graph is asked for a user (SPEC §6)', () => {
  const objectId = '2819c223-7f76-453a-919d-413861904646';
  it('by the externalId when it is an object ID', () => {
    expect(graphUserRef({ externalId: objectId, idpObjectId: null, userName: 'a@x.example' })).toBe(objectId);
  });
  it('else by the objectidentifier claim seen at sign-in', () => {
    expect(graphUserRef({ externalId: 'alice', idpObjectId: objectId, userName: 'a@x.example' })).toBe(objectId);
  });
  it('else by the userName (Graph takes the userPrincipalName for the id)', () => {
    expect(graphUserRef({ externalId: 'alice', idpObjectId: null, userName: 'a@x.example' })).toBe('a@x.example');
  });
});

describe('advice for the mistakes admins make', () => {
  it.each([
    ['SECRET_INVALID', /Value, not its Secret ID/],
    ['SECRET_EXPIRED', /expired.*new client secret/],
    ['CLIENT_UNKNOWN', /client ID/],
    ['TENANT_UNKNOWN', /tenant\) ID/],
    ['PERMISSION_MISSING', /User\.Read\.All.*admin consent/],
  ] as const)('%s', (kind, advice) => {
    expect(adviceFor(new GraphProblem(kind, 'x', { code: 'AADSTS1' }))).toMatch(advice);
  });

  it('names what could not be reached', () => {
    expect(adviceFor(new GraphProblem('UNREACHABLE', 'could not reach login.example (ECONNREFUSED)', { host: 'login.example' }))).toMatch(
      /could not reach login\.example/,
    );
  });
});
