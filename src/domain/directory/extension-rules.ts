import { z } from 'zod';

/** Schemas a client may attach to one resource beside the ones Portico models. */
export const MAX_EXTENSION_SCHEMAS = 20;
/** Attributes kept across all of a resource's extension schemas. */
export const MAX_EXTENSION_ATTRIBUTES = 200;
/** Bytes of JSON the kept attributes may take: every read and event carries them. */
export const MAX_EXTENSION_BYTES = 64 * 1024;

/**
 * Attributes of schema extensions a client sent, kept as they came (SPEC §2): bounded in count and size, so
 * that a resource cannot grow into a payload every later read, PATCH and event must carry.
 */
export const keptExtensionsRule = z
  .record(z.string(), z.record(z.string(), z.unknown()))
  .refine((extensions) => Object.keys(extensions).length <= MAX_EXTENSION_SCHEMAS, `may name at most ${MAX_EXTENSION_SCHEMAS} extension schemas`)
  .refine(
    (extensions) => Object.values(extensions).reduce((sum, attributes) => sum + Object.keys(attributes).length, 0) <= MAX_EXTENSION_ATTRIBUTES,
    `may hold at most ${MAX_EXTENSION_ATTRIBUTES} extension attributes`,
  )
  .refine((extensions) => JSON.stringify(extensions).length <= MAX_EXTENSION_BYTES, `may take at most ${MAX_EXTENSION_BYTES / 1024} kB of JSON`);
