/**
 * The signed assertion as node-saml already parsed it (`profile.getAssertion()`: xml2js over the XML the
 * signature covers, element names without their prefixes), read without parsing that XML a second time.
 * Every value Portico takes from a response after its signature was verified comes from here.
 */

/** An element as xml2js gives it: attributes under `$`, text under `_`, child elements by local name. */
export type SignedElement = string | { $?: Record<string, string>; _?: string; [child: string]: unknown };

/** The assertion element of node-saml's parsed assertion (`{ Assertion: … }`), or null when it has none. */
export function signedAssertionRoot(parsed: Record<string, unknown> | undefined): SignedElement | null {
  const root = parsed?.Assertion;
  return typeof root === 'string' || (root !== null && typeof root === 'object' && !Array.isArray(root)) ? (root as SignedElement) : null;
}

/** The child elements with this local name (direct children only). */
export function signedChildren(element: SignedElement | null | undefined, localName: string): SignedElement[] {
  if (!element || typeof element === 'string' || localName === '$' || localName === '_') return [];
  const children = element[localName];
  return Array.isArray(children) ? (children as SignedElement[]) : [];
}

/** The first child element with this local name, or null. */
export function signedChild(element: SignedElement | null | undefined, localName: string): SignedElement | null {
  return signedChildren(element, localName)[0] ?? null;
}

/** An attribute's value, or null. */
export function signedAttribute(element: SignedElement | null | undefined, name: string): string | null {
  if (!element || typeof element === 'string') return null;
  const value = element.$?.[name];
  return typeof value === 'string' ? value : null;
}

/** The element's text, refusing elements nested inside it (as `plainText` does on a DOM). */
export function signedPlainText(element: SignedElement, localName: string): string {
  if (typeof element === 'string') return element.trim();
  for (const key of Object.keys(element)) {
    if (key !== '$' && key !== '_') throw new Error(`<${localName}> holds more than text (a comment or an element)`);
  }
  return typeof element._ === 'string' ? element._.trim() : '';
}

/** The element's own text (nested elements ignored), trimmed. */
export function signedText(element: SignedElement): string {
  if (typeof element === 'string') return element.trim();
  return typeof element._ === 'string' ? element._.trim() : '';
}
