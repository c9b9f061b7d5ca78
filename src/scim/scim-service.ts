import type { AttributeFilter, DirectorySearch, SortOrder } from '../domain/directory/attribute-filter';
import { CORE_GROUP_SCHEMA, CORE_USER_SCHEMA } from '../domain/directory/attribute-filter';
import type { GroupChanges } from '../domain/groups/group.service';
import type { DomainServices } from '../domain/services';
import type { Scope } from '../domain/shared/scope';
import type { WriteCondition } from '../domain/shared/versioning';
import { MAX_RESULTS, resourceTypes, schemas, serviceProviderConfig } from './discovery';
import { parseAttributePath, parseFilter } from './filter/parse-filter';
import { groupToScim, memberIdsOf, scimToGroup } from './group-resource';
import { applyPatch } from './patch/apply-patch';
import { normalisePatch, valuesSelectedBy, type PatchOperation } from './patch/patch-operations';
import { parseProjection, project, wants, type Projection } from './projection';
import { GROUP_SHAPE, USER_SHAPE } from './resource-shapes';
import { invalidPath, invalidValue, ScimError } from './scim-error';
import { LIST_RESPONSE_SCHEMA, versionFromIfMatch, weakEtag, type ScimRequest, type ScimResponse } from './scim-http';
import { scimToUserAttributes, userToScim, type ResourceContext } from './user-resource';
import { RenderedUsers } from './rendered-users';
import { isLiveUserPage } from '../domain/users/live-user-order';
import type { User } from '../domain/users/user.entity';
import { isObject, member, type Json, type JsonObject } from './values';

const DEFAULT_COUNT = 100;

/** A path segment without its percent-encoding; malformed encoding (`/Users/%`) is the client's error. */
function decodedSegment(segment: string): string {
  // Ids are UUIDs, without any escape: decoding (and its try) would only cost.
  if (!segment.includes('%')) return segment;
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new ScimError(400, `Failed to decode param '${segment}'`);
  }
}

/**
 * The SCIM 2.0 core (RFC 7644): takes a plain request of an authenticated tenant scope, calls the domain,
 * returns a plain response. It never sees express; the router is a thin adapter in front of it.
 */
export class ScimService {
  constructor(
    private readonly services: DomainServices,
    private readonly rendered = new RenderedUsers(),
  ) {}

  async handle(scope: Scope, request: ScimRequest, ctx: ResourceContext): Promise<ScimResponse> {
    const segments = request.path.split('/').filter(Boolean);
    const resource = (segments[0] ?? '').toLowerCase();
    const id = segments[1] === undefined ? undefined : decodedSegment(segments[1]);
    if (segments.length > 2) throw new ScimError(404, `No such endpoint ${request.path}`);
    const method = request.method.toUpperCase();

    switch (resource) {
      case 'serviceproviderconfig':
        return this.readOnly(method, id === undefined ? serviceProviderConfig(ctx.baseUrl) : undefined);
      case 'resourcetypes': {
        const all = resourceTypes(ctx.baseUrl);
        return this.readOnly(method, id === undefined ? listResponse(all, all.length, 1) : all.find((t) => t.id === id));
      }
      case 'schemas': {
        const all = schemas(ctx.baseUrl);
        return this.readOnly(method, id === undefined ? listResponse(all, all.length, 1) : all.find((s) => s.id === id));
      }
      case 'me':
        throw new ScimError(501, '/Me is not supported: requests are made by the provisioning client, not a user');
      case 'bulk':
        throw new ScimError(501, 'Bulk operations are not supported');
      case 'users':
        return this.users(scope, method, id, request, ctx);
      case 'groups':
        return this.groups(scope, method, id, request, ctx);
      default:
        throw new ScimError(404, `No such endpoint ${request.path}`);
    }
  }

  private readOnly(method: string, body: JsonObject | undefined): ScimResponse {
    if (method !== 'GET') throw new ScimError(405, `${method} is not allowed here`);
    if (!body) throw new ScimError(404, 'Not found');
    return { status: 200, body };
  }

  private async users(scope: Scope, method: string, id: string | undefined, request: ScimRequest, ctx: ResourceContext): Promise<ScimResponse> {
    const { users } = this.services;
    if (id === '.search' && method === 'POST') return this.listUsers(scope, searchParameters(request.body), ctx);
    if (id === undefined) {
      if (method === 'GET') return this.listUsers(scope, request.query, ctx);
      if (method === 'POST') {
        const user = await users.provision(scope, scimToUserAttributes(request.body as Json), 'SCIM');
        return this.userResponse(scope, 201, user, ctx, projectionOf(request));
      }
      throw new ScimError(405, `${method} is not allowed on /Users`);
    }
    const condition = writeCondition(request);
    switch (method) {
      case 'GET': {
        const projection = projectionOf(request);
        const [user, groups] = await Promise.all([
          users.get(scope, id),
          wants(projection, 'groups', false) ? users.groupsOfUsers(scope, [id]).then((refs) => groupRefs(refs.get(id))) : undefined,
        ]);
        return resourceResponse(200, userToScim(user, ctx, groups), user.version, projection, CORE_USER_SCHEMA);
      }
      case 'PUT': {
        const user = await users.replace(scope, id, scimToUserAttributes(request.body as Json), condition);
        return this.userResponse(scope, 200, user, ctx, projectionOf(request));
      }
      case 'PATCH': {
        const operations = normalisePatch(request.body as Json);
        const user = await users.modify(scope, id, (current) => scimToUserAttributes(applyPatch(userToScim(current, ctx), operations, USER_SHAPE)), condition);
        return this.userResponse(scope, 200, user, ctx, projectionOf(request));
      }
      case 'DELETE':
        await users.delete(scope, id, condition);
        return { status: 204 };
      default:
        throw new ScimError(405, `${method} is not allowed on /Users/{id}`);
    }
  }

  /**
   * A user's response to a write. A full document (no projection asked for) is remembered as JSON text: a
   * page that lists the user at this version is assembled from it (see `RenderedUsers`).
   */
  private userResponse(scope: Scope, status: number, user: User, ctx: ResourceContext, projection: Projection): ScimResponse {
    const response = resourceResponse(status, userToScim(user, ctx), user.version, projection, CORE_USER_SCHEMA);
    if (!isFullDocument(projection)) return response;
    const json = JSON.stringify(response.body);
    this.rendered.remember(scope.tenantId, user, ctx.baseUrl, json);
    return { ...response, body: undefined, json };
  }

  private async listUsers(scope: Scope, query: Record<string, string | undefined>, ctx: ResourceContext): Promise<ScimResponse> {
    const search = directorySearch(query);
    const projection = parseProjection(query.attributes, query.excludedAttributes);
    const full = isFullDocument(projection);
    if (full && isLiveUserPage(search) && search.count > 0) {
      // The page by versions first: when every user on it is remembered as it is, the page is assembled from them.
      const versions = await this.services.users.searchVersions(scope, search);
      const documents: string[] = [];
      for (const user of versions.items) {
        const json = this.rendered.get(scope.tenantId, user, ctx.baseUrl);
        if (json === undefined) break;
        documents.push(json);
      }
      if (documents.length === versions.items.length) return listOfJson(documents, versions.totalResults, search.startIndex);
    }
    const result = await this.services.users.search(scope, search);
    if (full) {
      const documents = result.items.map((user) => {
        const json = JSON.stringify(userToScim(user, ctx));
        this.rendered.remember(scope.tenantId, user, ctx.baseUrl, json);
        return json;
      });
      return listOfJson(documents, result.totalResults, search.startIndex);
    }
    // Every listed user's groups in one query, not one per user.
    const groupsByUser = wants(projection, 'groups', false) && result.items.length > 0
      ? await this.services.users.groupsOfUsers(scope, result.items.map((user) => user.id))
      : undefined;
    const resources = result.items.map((user) =>
      project(userToScim(user, ctx, groupsByUser && groupRefs(groupsByUser.get(user.id))), projection, CORE_USER_SCHEMA),
    );
    return { status: 200, body: listResponse(resources, result.totalResults, search.startIndex) };
  }

  private async groups(scope: Scope, method: string, id: string | undefined, request: ScimRequest, ctx: ResourceContext): Promise<ScimResponse> {
    const { groups } = this.services;
    const projection = projectionOf(request);
    const withMembers = wants(projection, 'members', true);
    if (id === '.search' && method === 'POST') return this.listGroups(scope, searchParameters(request.body), ctx);
    if (id === undefined) {
      if (method === 'GET') return this.listGroups(scope, request.query, ctx);
      if (method === 'POST') {
        const { attributes, members } = scimToGroup(request.body as Json);
        const group = await groups.create(scope, attributes, members ?? []);
        const full = withMembers ? await groups.getWithMembers(scope, group.id, { members: true }) : { group, members: null };
        return resourceResponse(201, groupToScim(full.group, full.members, ctx), full.group.version, projection, CORE_GROUP_SCHEMA);
      }
      throw new ScimError(405, `${method} is not allowed on /Groups`);
    }
    const condition = writeCondition(request);
    switch (method) {
      case 'GET': {
        const { group, members } = await groups.getWithMembers(scope, id, { members: withMembers });
        return resourceResponse(200, groupToScim(group, members, ctx), group.version, projection, CORE_GROUP_SCHEMA);
      }
      case 'PUT': {
        const { attributes, members } = scimToGroup(request.body as Json);
        await groups.change(scope, id, { attributes, replaceMembers: members ?? [] }, condition);
        const full = await groups.getWithMembers(scope, id, { members: withMembers });
        return resourceResponse(200, groupToScim(full.group, full.members, ctx), full.group.version, projection, CORE_GROUP_SCHEMA);
      }
      case 'PATCH': {
        const changes = groupChanges(normalisePatch(request.body as Json), ctx);
        const group = await groups.change(scope, id, changes, condition);
        return { status: 204, headers: { ETag: weakEtag(group.version) } };
      }
      case 'DELETE':
        await groups.delete(scope, id, condition);
        return { status: 204 };
      default:
        throw new ScimError(405, `${method} is not allowed on /Groups/{id}`);
    }
  }

  private async listGroups(scope: Scope, query: Record<string, string | undefined>, ctx: ResourceContext): Promise<ScimResponse> {
    const search = directorySearch(query);
    const projection = parseProjection(query.attributes, query.excludedAttributes);
    const result = await this.services.groups.search(scope, search, { members: wants(projection, 'members', true) });
    const resources = result.items.map(({ group, members }) => project(groupToScim(group, members, ctx), projection, CORE_GROUP_SCHEMA));
    return { status: 200, body: listResponse(resources, result.totalResults, search.startIndex) };
  }
}

/** A user's groups as SCIM lists them. */
const groupRefs = (groups: { id: string; displayName: string }[] | undefined) => (groups ?? []).map((g) => ({ id: g.id, display: g.displayName }));

function listResponse(resources: JsonObject[], totalResults: number, startIndex: number): JsonObject {
  return { schemas: [LIST_RESPONSE_SCHEMA], totalResults, startIndex, itemsPerPage: resources.length, Resources: resources };
}

/** A ListResponse of documents already in JSON text: `listResponse`'s, with them spliced into its empty `Resources`. */
function listOfJson(documents: string[], totalResults: number, startIndex: number): ScimResponse {
  const envelope = JSON.stringify({ schemas: [LIST_RESPONSE_SCHEMA], totalResults, startIndex, itemsPerPage: documents.length, Resources: [] });
  return { status: 200, json: `${envelope.slice(0, -'[]}'.length)}[${documents.join(',')}]}` };
}

/** No `attributes` or `excludedAttributes`: the whole document (groups, returned only on request, left out). */
const isFullDocument = (projection: Projection) => projection.include === null && projection.exclude.length === 0;

function resourceResponse(status: number, resource: JsonObject, version: number, projection: Projection, coreSchema: string): ScimResponse {
  const location = (resource.meta as JsonObject).location as string;
  return {
    status,
    headers: { ETag: weakEtag(version), ...(status === 201 && { Location: location }) },
    body: project(resource, projection, coreSchema),
  };
}

function projectionOf(request: ScimRequest): Projection {
  return parseProjection(request.query.attributes, request.query.excludedAttributes);
}

function writeCondition(request: ScimRequest): WriteCondition {
  const version = versionFromIfMatch(request.headers['if-match']);
  if (version === 'mismatch') throw new ScimError(412, 'If-Match does not name a current version of this resource');
  return version === undefined ? {} : { ifVersion: version };
}

/** POST …/.search carries the list parameters in its body (RFC 7644 §3.4.3). */
function searchParameters(body: unknown): Record<string, string | undefined> {
  if (!isObject(body as Json)) throw invalidValue('The search request must be a JSON object');
  const text = (name: string) => {
    const value = member(body as JsonObject, name);
    if (value === undefined || value === null) return undefined;
    if (Array.isArray(value)) return value.join(',');
    return String(value);
  };
  return {
    filter: text('filter'),
    startIndex: text('startIndex'),
    count: text('count'),
    sortBy: text('sortBy'),
    sortOrder: text('sortOrder'),
    attributes: text('attributes'),
    excludedAttributes: text('excludedAttributes'),
  };
}

function integerParameter(value: string | undefined, name: string): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  if (!/^-?\d{1,9}$/.test(value.trim())) throw invalidValue(`${name} must be an integer`);
  return Number(value);
}

/** List parameters: filter parsed to the domain's tree; 1-based startIndex; count capped, 0 for totals only. */
function directorySearch(query: Record<string, string | undefined>): DirectorySearch {
  const filter: AttributeFilter | null = query.filter === undefined ? null : parseFilter(query.filter);
  const startIndex = Math.max(1, integerParameter(query.startIndex, 'startIndex') ?? 1);
  const count = Math.min(MAX_RESULTS, Math.max(0, integerParameter(query.count, 'count') ?? DEFAULT_COUNT));
  const sortOrderText = query.sortOrder?.toLowerCase();
  if (sortOrderText !== undefined && sortOrderText !== 'ascending' && sortOrderText !== 'descending') {
    throw invalidValue('sortOrder must be ascending or descending');
  }
  let sortBy = null;
  if (query.sortBy) {
    try {
      sortBy = parseAttributePath(query.sortBy.trim());
    } catch {
      throw invalidValue(`Invalid sortBy "${query.sortBy}"`);
    }
  }
  return { filter, startIndex, count, sortBy, sortOrder: (sortOrderText as SortOrder | undefined) ?? 'ascending' };
}

/**
 * A group PATCH as set operations: `members` adds and removals by id (never loading the members), a full
 * replacement when asked, and the group's own attributes applied to a small document of them.
 */
function groupChanges(operations: PatchOperation[], ctx: ResourceContext): GroupChanges {
  // Operations apply in the order sent (RFC 7644 §3.5.2): a later operation on an id overrides an earlier
  // one, so the three sets handed to the domain are disjoint and their fixed order cannot change the result.
  const add = new Set<string>();
  const remove = new Set<string>();
  let replaceMembers: string[] | undefined;
  const attributeOps: PatchOperation[] = [];
  for (const operation of operations) {
    const path = operation.path;
    const isMembers = path !== null && path.path.attribute.toLowerCase() === 'members' && (path.path.schema === null || path.path.schema.toLowerCase() === CORE_GROUP_SCHEMA.toLowerCase());
    if (!isMembers) {
      attributeOps.push(operation);
      continue;
    }
    if (path.path.subAttribute !== null) throw invalidPath('Members are changed as a whole: path "members" or members[value eq "id"]');
    const removeIds = (ids: string[]) => {
      for (const id of ids) {
        add.delete(id);
        remove.add(id);
      }
    };
    if (operation.op === 'remove') {
      if (path.valueFilter) removeIds(valuesSelectedBy(path.valueFilter));
      else if (operation.value !== undefined && operation.value !== null) removeIds(memberIdsOf(operation.value));
      else {
        // "Remove all members": what was added before in this request goes too.
        replaceMembers = [];
        add.clear();
        remove.clear();
      }
    } else if (path.valueFilter) {
      throw invalidPath('Add members with path "members" and a list of values');
    } else if (operation.op === 'add') {
      for (const id of memberIdsOf(operation.value)) {
        remove.delete(id);
        add.add(id);
      }
    } else {
      replaceMembers = memberIdsOf(operation.value);
      add.clear();
      remove.clear();
    }
  }
  const changes: GroupChanges = { add: [...add], remove: [...remove], ...(replaceMembers && { replaceMembers }) };
  if (attributeOps.length > 0) {
    // The group's own attributes: patched as a document, read back by the same mapper as PUT.
    changes.attributesFrom = (current) => scimToGroup(applyPatch(groupToScim(current, null, ctx), attributeOps, GROUP_SHAPE)).attributes;
  }
  return changes;
}
