import express, { type Request, type RequestHandler } from 'express';

/** Deeper than any request body Portico understands (a SCIM user nests 4 levels, GraphQL inputs fewer). */
export const MAX_JSON_DEPTH = 32;
/** More members than any array or object Portico accepts holds (a group's member change takes 10,000 ids). */
export const MAX_JSON_MEMBERS = 10_000;

const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;

/** Why JSON text is refused before it is parsed, or null. */
export type JsonShapeProblem = 'tooDeep' | 'tooManyMembers' | null;

/**
 * Reads the raw bytes of a JSON body before they are parsed (no byte of a multi-byte UTF-8 character is
 * ASCII, so brackets, commas and quotes are found as bytes) and tells whether arrays and objects nest more
 * than `maxDepth` levels or one of them holds more than `maxMembers` members. The recursive code after the
 * parser (copies, redaction, validation) would overflow the call stack on a body nested 20,000 deep; and
 * parsing 50,000 members only to refuse them holds the event loop for tens of milliseconds per request.
 */
export function jsonTextShapeProblem(text: Uint8Array, maxDepth = MAX_JSON_DEPTH, maxMembers = MAX_JSON_MEMBERS): JsonShapeProblem {
  // Commas seen so far in each open container: n commas separate n + 1 members.
  const commas: number[] = [];
  let inString = false;
  for (let i = 0; i < text.length; i += 1) {
    const byte = text[i];
    if (inString) {
      if (byte === BACKSLASH) i += 1;
      else if (byte === QUOTE) inString = false;
    } else if (byte === QUOTE) inString = true;
    else if (byte === OPEN_BRACE || byte === OPEN_BRACKET) {
      if (commas.length >= maxDepth) return 'tooDeep';
      commas.push(0);
    } else if (byte === CLOSE_BRACE || byte === CLOSE_BRACKET) commas.pop();
    else if (byte === COMMA && commas.length > 0) {
      const depth = commas.length - 1;
      commas[depth] += 1;
      if (commas[depth] >= maxMembers) return 'tooManyMembers';
    }
  }
  return null;
}

type ShapeFlag = { jsonShapeProblem?: JsonShapeProblem };

/** Whether the request's JSON body was refused for its shape before it was parsed (its body is then unset). */
export const jsonShapeRefused = (req: Request): boolean => Boolean((req as ShapeFlag).jsonShapeProblem);

/**
 * express's JSON parser, refusing before it parses a body nested deeper than {@link MAX_JSON_DEPTH} or with an
 * array or object of more than {@link MAX_JSON_MEMBERS} members, with the interface's own error (`refusal`,
 * whose `status` body-parser keeps).
 */
export function jsonBodyParser(options: Parameters<typeof express.json>[0], refusal: (problem: Exclude<JsonShapeProblem, null>) => Error): RequestHandler {
  return express.json({
    ...options,
    verify: (req, _res, raw) => {
      const problem = jsonTextShapeProblem(raw);
      if (!problem) return;
      (req as ShapeFlag).jsonShapeProblem = problem;
      throw refusal(problem);
    },
  });
}

const SHAPE_MESSAGES = {
  tooDeep: `The request body is nested more than ${MAX_JSON_DEPTH} levels deep`,
  tooManyMembers: `An array or object in the request body has more than ${MAX_JSON_MEMBERS.toLocaleString('en-US')} members`,
} as const;

/** The refusal message for a body's shape, naming the limit. */
export const jsonShapeMessage = (problem: Exclude<JsonShapeProblem, null>): string => SHAPE_MESSAGES[problem];
