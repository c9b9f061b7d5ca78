import type { EntityManager } from '@mikro-orm/postgresql';
import { DomainError } from '../shared/domain-error';
import type { Scope } from '../shared/scope';
import { credentialRepository } from './credential.repository';

/** Who stands behind a credential about to be minted: see Credential.createdByUserId. */
export interface CredentialCreator {
  createdByUserId: string | null;
  createdByLabel: string;
}

/**
 * The creator recorded on a credential minted by `scope`'s actor. A signed-in user is the creator; a key minted
 * by an API key inherits that key's creator, so minting through a key never frees a credential from the person
 * behind it. Only the platform (operator, CLI, system) mints credentials that answer to nobody.
 */
export async function creatorOfNewCredential(em: EntityManager, scope: Scope): Promise<CredentialCreator> {
  const { actor } = scope;
  if (actor.kind === 'USER') {
    if (!actor.id) throw new DomainError('FORBIDDEN', 'A signed-in user without an id cannot mint credentials');
    return { createdByUserId: actor.id, createdByLabel: actor.label };
  }
  if (actor.kind === 'API_KEY') {
    const createdByUserId = actor.id ? await credentialRepository.apiKeyCreator(em, scope.tenantId, actor.id) : undefined;
    // Fail closed: a key we cannot trace must not mint one that answers to nobody.
    if (createdByUserId === undefined) throw new DomainError('FORBIDDEN', 'The API key making this request no longer exists');
    return { createdByUserId, createdByLabel: actor.label };
  }
  return { createdByUserId: null, createdByLabel: actor.label };
}
