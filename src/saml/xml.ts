import { DOMParser } from '@xmldom/xmldom';

/** The SAML and metadata namespaces Portico reads. */
export const NS = {
  assertion: 'urn:oasis:names:tc:SAML:2.0:assertion',
  protocol: 'urn:oasis:names:tc:SAML:2.0:protocol',
  metadata: 'urn:oasis:names:tc:SAML:2.0:metadata',
  dsig: 'http://www.w3.org/2000/09/xmldsig#',
} as const;

/**
 * Parses XML that came from outside, refusing any DTD first: a DOCTYPE is how entity-expansion and external
 * entity attacks start, and no SAML message or metadata needs one. Throws with a message fit for the caller.
 */
export function parseUntrustedXml(xml: string): Document {
  if (/<!DOCTYPE|<!ENTITY/i.test(xml)) throw new Error('XML with a DTD (DOCTYPE or ENTITY) is not accepted');
  const problems: string[] = [];
  const document = new DOMParser({
    locator: {},
    errorHandler: { warning: () => {}, error: (message: string) => problems.push(message), fatalError: (message: string) => problems.push(message) },
  }).parseFromString(xml, 'text/xml');
  if (problems.length > 0 || !document?.documentElement) throw new Error(`Malformed XML: ${problems[0] ?? 'no root element'}`);
  return document as unknown as Document;
}

/** Child elements of `parent` with this namespace and local name (direct children only). */
export function childElements(parent: Element, namespace: string, localName: string): Element[] {
  const found: Element[] = [];
  for (let node = parent.firstChild; node; node = node.nextSibling) {
    if (node.nodeType === 1 && (node as Element).namespaceURI === namespace && (node as Element).localName === localName) found.push(node as Element);
  }
  return found;
}

/** The one direct child with this name, or null. */
export function childElement(parent: Element, namespace: string, localName: string): Element | null {
  return childElements(parent, namespace, localName)[0] ?? null;
}

/** Every descendant element with this namespace and local name. */
export function descendants(parent: Element | Document, namespace: string, localName: string): Element[] {
  return Array.from(parent.getElementsByTagNameNS(namespace, localName) as unknown as ArrayLike<Element>);
}

/** The text of an element, refusing comments and nested elements inside it (comment-injection guard). */
export function plainText(element: Element): string {
  let text = '';
  for (let node = element.firstChild; node; node = node.nextSibling) {
    if (node.nodeType === 3 || node.nodeType === 4) text += node.nodeValue ?? '';
    else throw new Error(`<${element.localName}> holds more than text (a comment or an element)`);
  }
  return text.trim();
}
