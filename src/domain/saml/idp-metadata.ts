/** What Portico needs to know about an IdP, however it was given (metadata URL, metadata XML, manual fields). */
export interface IdpDescriptor {
  entityId: string;
  /** Where AuthnRequests go (HTTP-Redirect binding). */
  ssoUrl: string;
  /** Where LogoutRequests go; null when the IdP publishes none. */
  sloUrl: string | null;
  /** Every signing certificate listed (Entra lists the active and the inactive one during a rollover). */
  certificates: string[];
}

/**
 * Port: reads IdP federation metadata. The SAML transport implements it (XML parsing and HTTP fetching
 * are not the domain's business); the domain decides what to trust and stores it.
 */
export interface IdpMetadataReader {
  /** Parses metadata XML; throws DomainError BAD_USER_INPUT naming what is wrong. */
  parse(xml: string): IdpDescriptor;
  /** Fetches and parses metadata from a URL; throws DomainError BAD_USER_INPUT when it cannot. */
  fetch(url: string): Promise<{ xml: string; descriptor: IdpDescriptor }>;
}
