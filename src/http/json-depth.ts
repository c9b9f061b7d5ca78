import express, { type Request, type RequestHandler } from 'express';

/** Deeper than any request body Portico understands (a SCIM user nests 4 levels, GraphQL inputs fewer). */
export const MAX_JSON_DEPTH = 32;

const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * Whether JSON text nests arrays and objects more than `limit` levels deep, read from the raw bytes before
 * they are parsed (no byte of a multi-byte UTF-8 character is ASCII, so brackets and quotes are found as
 * bytes). The recursive code after the parser (copies, redaction, validation) would overflow the call stack
 * on a body nested 20,000 deep, and so must never see one.
 */
export function jsonTextDepthExceeds(text: Uint8Array, limit = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i += 1) {
    const byte = text[i];
    if (inString) {
      if (byte === BACKSLASH) i += 1;
      else if (byte === QUOTE) inString = false;
    } else if (byte === QUOTE) inString = true;
    else if (byte === OPEN_BRACE || byte === OPEN_BRACKET) {
      depth += 1;
      if (depth > limit) return true;
    } else if (byte === CLOSE_BRACE || byte === CLOSE_BRACKET) depth -= 1;
  }
  return false;
}

type DepthFlag = { jsonTooDeep?: boolean };

/** Whether the request's JSON body was nested deeper than {@link MAX_JSON_DEPTH} (such a body must not be walked). */
export const jsonTooDeep = (req: Request): boolean => (req as DepthFlag).jsonTooDeep === true;

/**
 * express's JSON parser, followed by a refusal of bodies nested too deeply, with the interface's own error
 * (`refusal`). The depth is read from the raw bytes as they are parsed, so no parsed body is ever walked.
 */
export function jsonBodyParser(options: Parameters<typeof express.json>[0], refusal: () => Error): RequestHandler[] {
  return [
    express.json({
      ...options,
      verify: (req, _res, raw) => {
        if (jsonTextDepthExceeds(raw)) (req as DepthFlag).jsonTooDeep = true;
      },
    }),
    (req, _res, next) => next(jsonTooDeep(req) ? refusal() : undefined),
  ];
}
