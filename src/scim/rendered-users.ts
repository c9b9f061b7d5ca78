import { LRUCache } from 'lru-cache';
import type { UserVersion } from '../domain/users/user.entity';

/** What the remembered documents may take of the process's memory, at most (UTF-16: two bytes a character). */
const MAX_BYTES = 32 * 1024 * 1024;

interface Rendered {
  version: number;
  photoEtag: string | null;
  baseUrl: string;
  json: string;
}

/**
 * Users' SCIM documents as JSON text, as this process last rendered them in full (no `attributes` or
 * `excludedAttributes`, no groups): what a page of users is assembled from when every user on it is still the
 * one rendered. A document is decided by the user's version (its ETag, which every change of its attributes
 * bumps), its photo (which Portico serves apart and does not version) and the base URL of its links; one
 * that differs in any of them is not used. A page of 100 rendered anew cost the Portico process about 2 ms
 * of CPU (reading 100 whole rows, building and serialising 100 documents); assembled from these, a page
 * reads only each user's version.
 */
export class RenderedUsers {
  private readonly documents = new LRUCache<string, Rendered>({ maxSize: MAX_BYTES, sizeCalculation: (r) => 2 * (r.json.length + r.baseUrl.length) + 200 });

  /** The user's document as rendered, when it is still the one of this version, photo and base URL. */
  get(tenantId: string, user: UserVersion, baseUrl: string): string | undefined {
    const rendered = this.documents.get(`${tenantId}/${user.id}`);
    if (!rendered || rendered.version !== user.version || rendered.photoEtag !== user.photoEtag || rendered.baseUrl !== baseUrl) return undefined;
    return rendered.json;
  }

  remember(tenantId: string, user: UserVersion, baseUrl: string, json: string): void {
    this.documents.set(`${tenantId}/${user.id}`, { version: user.version, photoEtag: user.photoEtag ?? null, baseUrl, json });
  }
}
