/** A SCIM request as the core sees it: no web framework, just what the protocol needs. */
export interface ScimRequest {
  method: string;
  /** The path after `/scim/v2`, e.g. `/Users/123`. */
  path: string;
  query: Record<string, string | undefined>;
  headers: Record<string, string | undefined>;
  /** Parsed JSON body, or undefined. */
  body: unknown;
}

export interface ScimResponse {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
  /** The body already as JSON text (documents remembered as rendered): sent as it is, instead of `body`. */
  json?: string;
}

export const SCIM_CONTENT_TYPE = 'application/scim+json';
export const LIST_RESPONSE_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
export const PATCH_OP_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

export const weakEtag = (version: number): string => `W/"${version}"`;

/** The version an If-Match header names, if it names exactly one of ours (`*` means any). */
export function versionFromIfMatch(header: string | undefined): number | undefined | 'mismatch' {
  if (header === undefined || header.trim() === '*') return undefined;
  const match = /^\s*(?:W\/)?"(\d{1,9})"\s*$/.exec(header);
  return match ? Number(match[1]) : 'mismatch';
}
