/**
 * A filter over directory attributes, named as the domain names them (which is SCIM's vocabulary: the
 * domain user is the SCIM core User plus the Enterprise extension). Transports parse their own syntax into
 * this tree; the repositories translate it into parameterised SQL.
 */
export interface AttributePath {
  /** The schema URN when the client named one (`urn:…:enterprise:2.0:User`), else null. */
  schema: string | null;
  attribute: string;
  subAttribute: string | null;
}

export type CompareOperator = 'eq' | 'ne' | 'co' | 'sw' | 'ew' | 'gt' | 'ge' | 'lt' | 'le';
export type FilterValue = string | number | boolean | null;

export type AttributeFilter =
  | { kind: 'compare'; path: AttributePath; op: CompareOperator; value: FilterValue }
  | { kind: 'present'; path: AttributePath }
  | { kind: 'and' | 'or'; left: AttributeFilter; right: AttributeFilter }
  | { kind: 'not'; filter: AttributeFilter }
  /** `emails[type eq "work"]`: some element of a multi-valued attribute matches the inner filter. */
  | { kind: 'valuePath'; path: AttributePath; filter: AttributeFilter };

export type SortOrder = 'ascending' | 'descending';

/** A page of a directory search: SCIM's 1-based `startIndex` and `count`. */
export interface DirectorySearch {
  filter?: AttributeFilter | null;
  sortBy?: AttributePath | null;
  sortOrder?: SortOrder;
  /** 1-based. */
  startIndex: number;
  /** 0 asks for the total only. */
  count: number;
}

export interface SearchResult<T> {
  totalResults: number;
  items: T[];
}

/** The schema URNs the directory models natively. */
export const CORE_USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const ENTERPRISE_USER_SCHEMA = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
export const CORE_GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
