import { requireLevel } from '../shared/authorize';
import { DomainError, notFound } from '../shared/domain-error';
import type { Scope } from '../shared/scope';
import { isUuid } from '../shared/sql';
import type { UnitOfWork } from '../shared/unit-of-work';
import { MAX_PHOTO_BYTES, photoEtagOf, sniffImageType, type ImageContentType } from './image-type';
import { photoRepository, type PhotoSource, type StoredPhoto } from './photo.repository';

/** What a conditional read of a photo found. */
export type PhotoRead = { kind: 'photo'; photo: StoredPhoto } | { kind: 'not-modified'; etag: string };

/** A photo the directory sync downloaded, to be stored when it is an image Portico serves. */
export interface DirectoryPhoto {
  bytes: Buffer;
  /** Entra's `@odata.mediaEtag`, remembered so an unchanged photo is not downloaded again (none when Graph sent none). */
  directoryEtag?: string;
}

/** Refuses callers of other tenants; any credential or session of the tenant may see its people's photos. */
function requireTenantMember(scope: Scope): void {
  const { actor } = scope;
  if (actor.kind === 'OPERATOR' || actor.kind === 'SYSTEM') return;
  if (actor.tenantId !== scope.tenantId) throw new DomainError('FORBIDDEN', 'This tenant is not yours');
}

/** Checks bytes meant to become a photo: size, and an image type by its content. */
export function checkedImage(bytes: Buffer): ImageContentType {
  if (bytes.length > MAX_PHOTO_BYTES) {
    throw new DomainError('PAYLOAD_TOO_LARGE', `A photo may be at most ${MAX_PHOTO_BYTES / (1024 * 1024)} MB`, { maxBytes: MAX_PHOTO_BYTES });
  }
  const type = sniffImageType(bytes);
  if (!type) {
    throw new DomainError('UNSUPPORTED_MEDIA_TYPE', 'A photo must be a PNG, JPEG, GIF or WebP image (judged by its bytes, not its Content-Type)');
  }
  return type;
}

/** Users' photos: read by anyone of the tenant, uploaded by the person or an administrator, synced from Entra. */
export class PhotoService {
  constructor(private readonly uow: UnitOfWork) {}

  /** The user's photo, or `not-modified` when `ifNoneMatch` names its current ETag (then no bytes are read). */
  async read(scope: Scope, userId: string, ifNoneMatch?: string): Promise<PhotoRead> {
    requireTenantMember(scope);
    if (!isUuid(userId)) throw notFound('Photo');
    return this.uow.read(async (em) => {
      if (ifNoneMatch) {
        const etag = await photoRepository.etagOf(em, scope.tenantId, userId);
        if (etag && etagMatches(ifNoneMatch, etag)) return { kind: 'not-modified', etag };
      }
      const photo = await photoRepository.read(em, scope.tenantId, userId);
      if (!photo) throw notFound('Photo');
      return { kind: 'photo', photo };
    });
  }

  /** The person's own avatar, or one an administrator sets; Entra's photo replaces it only when Entra has one. */
  async upload(scope: Scope, userId: string, bytes: Buffer): Promise<{ etag: string }> {
    const ownPhoto = scope.actor.kind === 'USER' && scope.actor.id === userId && scope.actor.tenantId === scope.tenantId;
    if (!ownPhoto) requireLevel(scope, 'ADMINISTRATOR');
    if (!isUuid(userId)) throw notFound('User');
    const contentType = checkedImage(bytes);
    return this.store(scope, userId, { bytes, contentType, source: 'UPLOAD' });
  }

  /** Stores a photo the directory sync downloaded (called by the sync only, as the system). */
  async storeFromDirectory(scope: Scope, userId: string, photo: DirectoryPhoto): Promise<{ etag: string }> {
    requireLevel(scope, 'ADMINISTRATOR');
    const contentType = checkedImage(photo.bytes);
    return this.store(scope, userId, { bytes: photo.bytes, contentType, source: 'DIRECTORY', directoryEtag: photo.directoryEtag });
  }

  private async store(
    scope: Scope,
    userId: string,
    photo: { bytes: Buffer; contentType: ImageContentType; source: PhotoSource; directoryEtag?: string },
  ): Promise<{ etag: string }> {
    const etag = photoEtagOf(photo.bytes);
    return this.uow.write(async (em) => {
      const stored = await photoRepository.storeWithEvent(em, scope, userId, { ...photo, etag }, {
        summaryBefore: 'Photo of ',
        summaryAfter: photo.source === 'UPLOAD' ? ' uploaded' : ' updated from Microsoft Entra ID',
        detail: { source: photo.source, contentType: photo.contentType, bytes: photo.bytes.length },
      });
      if (!stored) throw notFound('User');
      return { etag };
    });
  }
}

/** `If-None-Match`: `*`, or a list of (possibly weak) ETags one of which is this one. */
function etagMatches(header: string, etag: string): boolean {
  if (header.trim() === '*') return true;
  return header.split(',').some((candidate) => candidate.trim().replace(/^W\//, '') === etag);
}
