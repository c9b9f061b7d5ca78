import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addMembers, CORE_USER, ENTERPRISE_USER, entraGroup } from '../../fixtures/entra';
import { sql } from '../../helpers/database';
import { startTestPortico, type TestPortico } from '../../helpers/portico';
import { scimTenant, type ScimClient, type ScimResult } from '../../helpers/scim';

/**
 * SCIM list filters (RFC 7644 §3.4.2.2) over GET /Users, GET /Groups and POST /.search, against a small
 * directory whose every user is known: each filter must return exactly the expected set.
 */

const CUSTOM = 'urn:example:custom:1.0:User';
const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';
const SEARCH_REQUEST = 'urn:ietf:params:scim:api:messages:2.0:SearchRequest';
const TENANT = 'filters';

type Key = 'A' | 'B' | 'C' | 'D' | 'E' | 'F' | 'G' | 'H';
const ALL: Key[] = ['A', 'B', 'C', 'D', 'E', 'F', 'G', 'H'];
type GroupKey = 'Eng' | 'Sales' | 'Empty';

const USER_NAMES: Record<Key, string> = {
  A: 'alice@example.com',
  B: 'bob@example.com',
  C: 'carol@example.org',
  D: 'dave@example.org',
  E: 'Eve.Smith@Example.com',
  F: 'frank@x.io',
  G: 'grace_hopper@x.io',
  H: 'henry@example.com',
};
const GROUP_NAMES: Record<GroupKey, string> = { Eng: 'Engineering', Sales: 'Sales Team', Empty: 'Empty Group' };

interface Person {
  key: Key;
  externalId?: string;
  displayName: string;
  givenName: string;
  familyName: string;
  title?: string;
  active: boolean;
  emails: { value: string; type: string; primary?: boolean }[];
  phoneNumbers?: { value: string; type: string }[];
  department: string;
  employeeNumber: string;
  manager?: Key;
  badge?: string;
}

/**
 * The seeded directory. Summary of what the filters below rely on:
 *  key  externalId  title     active  emails (type)                          phones   dept       empNo  manager  badge
 *  A    AliceExt    Engineer  true    work* @example.com, home @mail.net       work     R&D        1001   -        42
 *  B    bob-ext     Manager   true    work* @example.com                       mobile   Sales      1002   A        -
 *  C    carol       Engineer  false   work @example.org, home* @home.example   -        R&D        1003   A        7
 *  D    -           Director  true    home* @personal.net                      home     Marketing  1004   -        -
 *  E    EveExt      -         true    work* Eve.Smith@Example.com              -        Sales      1005   B        -
 *  F    frank       Engineer  false   work* @x.io                              -        R&D        1006   -        -
 *  G    grace       Admiral   true    work* @x.io                              -        Navy       2001   -        -
 *  H    HENRY       Engineer  true    work* @example.com, other @x.io          -        R&D        0999   -        -
 * Groups: Engineering {A, C, F}, Sales Team {B, E}, Empty Group {}.
 */
const PEOPLE: Person[] = [
  {
    key: 'A',
    externalId: 'AliceExt',
    displayName: 'Alice Anders',
    givenName: 'Alice',
    familyName: 'Anders',
    title: 'Engineer',
    active: true,
    emails: [
      { value: 'alice@example.com', type: 'work', primary: true },
      { value: 'alice.home@mail.net', type: 'home' },
    ],
    phoneNumbers: [{ value: '+1 555 0100', type: 'work' }],
    department: 'R&D',
    employeeNumber: '1001',
    badge: '42',
  },
  {
    key: 'B',
    externalId: 'bob-ext',
    displayName: 'Bob Brown',
    givenName: 'Bob',
    familyName: 'Brown',
    title: 'Manager',
    active: true,
    emails: [{ value: 'bob@example.com', type: 'work', primary: true }],
    phoneNumbers: [{ value: '+1 555 0101', type: 'mobile' }],
    department: 'Sales',
    employeeNumber: '1002',
    manager: 'A',
  },
  {
    key: 'C',
    externalId: 'carol',
    displayName: 'Carol Clark',
    givenName: 'Carol',
    familyName: 'Clark',
    title: 'Engineer',
    active: false,
    emails: [
      { value: 'carol@example.org', type: 'work', primary: false },
      { value: 'carol@home.example', type: 'home', primary: true },
    ],
    department: 'R&D',
    employeeNumber: '1003',
    manager: 'A',
    badge: '7',
  },
  {
    key: 'D',
    displayName: "Dave O'Neil",
    givenName: 'Dave',
    familyName: "O'Neil",
    title: 'Director',
    active: true,
    emails: [{ value: 'dave@personal.net', type: 'home', primary: true }],
    phoneNumbers: [{ value: '+44 20 7946 0000', type: 'home' }],
    department: 'Marketing',
    employeeNumber: '1004',
  },
  {
    key: 'E',
    externalId: 'EveExt',
    displayName: 'Eve Smith',
    givenName: 'Eve',
    familyName: 'Smith',
    active: true,
    emails: [{ value: 'Eve.Smith@Example.com', type: 'work', primary: true }],
    department: 'Sales',
    employeeNumber: '1005',
    manager: 'B',
  },
  {
    key: 'F',
    externalId: 'frank',
    displayName: '100% Frank',
    givenName: 'Frank',
    familyName: 'Fuller',
    title: 'Engineer',
    active: false,
    emails: [{ value: 'frank@x.io', type: 'work', primary: true }],
    department: 'R&D',
    employeeNumber: '1006',
  },
  {
    key: 'G',
    externalId: 'grace',
    displayName: '_Grace Hopper',
    givenName: 'Grace',
    familyName: 'Hopper',
    title: 'Admiral',
    active: true,
    emails: [{ value: 'grace_hopper@x.io', type: 'work', primary: true }],
    department: 'Navy',
    employeeNumber: '2001',
  },
  {
    key: 'H',
    externalId: 'HENRY',
    displayName: 'Henry \\ Back $1 ?',
    givenName: 'Henry',
    familyName: 'Ford',
    title: 'Engineer',
    active: true,
    emails: [
      { value: 'henry@example.com', type: 'work', primary: true },
      { value: 'henry@x.io', type: 'other' },
    ],
    department: 'R&D',
    employeeNumber: '0999',
  },
];

function userBody(person: Person, ids: Partial<Record<Key, string>>) {
  return {
    schemas: [CORE_USER, ENTERPRISE_USER, ...(person.badge ? [CUSTOM] : [])],
    ...(person.externalId && { externalId: person.externalId }),
    userName: USER_NAMES[person.key],
    active: person.active,
    displayName: person.displayName,
    name: { givenName: person.givenName, familyName: person.familyName },
    ...(person.title && { title: person.title }),
    emails: person.emails,
    ...(person.phoneNumbers && { phoneNumbers: person.phoneNumbers }),
    [ENTERPRISE_USER]: {
      department: person.department,
      employeeNumber: person.employeeNumber,
      ...(person.manager && { manager: { value: ids[person.manager] } }),
    },
    ...(person.badge && { [CUSTOM]: { badge: person.badge } }),
  };
}

const sorted = (values: string[]) => [...values].sort();

function expectInvalidFilter(response: ScimResult, filter: string): void {
  const context = `filter ${JSON.stringify(filter)} answered ${response.status} ${JSON.stringify(response.body)}`;
  expect(response.status, context).toBe(400);
  expect(response.headers.get('content-type'), context).toContain('application/scim+json');
  expect(response.body?.schemas, context).toEqual([ERROR_SCHEMA]);
  expect(response.body?.status, context).toBe('400');
  expect(response.body?.scimType, context).toBe('invalidFilter');
  expect(typeof response.body?.detail, context).toBe('string');
}

describe('SCIM list filters', () => {
  let portico: TestPortico;
  let scim: ScimClient;
  const ids = {} as Record<Key, string>;
  const created = {} as Record<Key, string>;
  const groupIds = {} as Record<GroupKey, string>;
  let beforeSeeding: string;
  let afterSeeding: string;

  /** Replaces `<id:A>`, `<ID:A>` (upper-cased id), `<created:A>` and `<group:Eng>` with seeded values. */
  const expand = (template: string) =>
    template
      .replace(/<id:([A-H])>/g, (_, k: Key) => ids[k])
      .replace(/<ID:([A-H])>/g, (_, k: Key) => ids[k].toUpperCase())
      .replace(/<created:([A-H])>/g, (_, k: Key) => created[k])
      .replace(/<group:(\w+)>/g, (_, k: GroupKey) => groupIds[k])
      .replace(/<before>/g, () => beforeSeeding)
      .replace(/<after>/g, () => afterSeeding);

  const listUsers = async (filter: string) => {
    const response = await scim.get('/Users', { filter: expand(filter) });
    expect(response.status, `${filter}: ${JSON.stringify(response.body)}`).toBe(200);
    return response;
  };
  const userNamesOf = (response: ScimResult): string[] => (response.body.Resources ?? []).map((r: { userName: string }) => r.userName);

  beforeAll(async () => {
    portico = await startTestPortico();
    scim = await scimTenant(portico, TENANT);
    beforeSeeding = new Date(Date.now() - 1000).toISOString();
    for (const person of PEOPLE) {
      const response = await scim.post('/Users', userBody(person, ids));
      expect(response.status, JSON.stringify(response.body)).toBe(201);
      ids[person.key] = response.body.id;
      created[person.key] = response.body.meta.created;
    }
    for (const key of Object.keys(GROUP_NAMES) as GroupKey[]) {
      const externalId = key === 'Sales' ? 'OBJID-sales' : `objid-${key.toLowerCase()}`;
      const response = await scim.post('/Groups', entraGroup(GROUP_NAMES[key], externalId));
      expect(response.status, JSON.stringify(response.body)).toBe(201);
      groupIds[key] = response.body.id;
    }
    for (const [group, members] of [
      ['Eng', ['A', 'C', 'F']],
      ['Sales', ['B', 'E']],
    ] as const) {
      const response = await scim.patch(`/Groups/${groupIds[group]}`, addMembers(members.map((k) => ids[k])));
      expect(response.status, JSON.stringify(response.body)).toBe(204);
    }
    afterSeeding = new Date(Date.now() + 1000).toISOString();
  });
  afterAll(() => portico?.stop());

  describe('GET /Users?filter=… returns exactly the matching users', () => {
    const cases: [filter: string, expected: Key[]][] = [
      // eq, and the case rules: userName and emails case-insensitive, externalId case-exact
      ['userName eq "alice@example.com"', ['A']],
      ['userName eq "ALICE@EXAMPLE.COM"', ['A']],
      ['userName eq "eve.smith@example.com"', ['E']],
      ['userName eq "nobody@example.com"', []],
      ['externalId eq "AliceExt"', ['A']],
      ['externalId eq "aliceext"', []],
      ['externalId eq "HENRY"', ['H']],
      ['externalId eq "henry"', []],
      ['displayName eq "Bob Brown"', ['B']],
      ['title eq "Engineer"', ['A', 'C', 'F', 'H']],
      ['active eq false', ['C', 'F']],
      ['active eq true', ['A', 'B', 'D', 'E', 'G', 'H']],
      ['externalId eq null', ['D']],
      // operators and attribute names in any case
      ['USERNAME EQ "bob@example.com"', ['B']],
      ['UserName Eq "Bob@Example.Com"', ['B']],
      ['ACTIVE eq FALSE', ['C', 'F']],
      ['Title NE "Engineer"', ['B', 'D', 'E', 'G']],
      ['emails.VALUE co "@X.IO"', ['F', 'G', 'H']],
      ['urn:ietf:params:scim:schemas:core:2.0:User:userName eq "bob@example.com"', ['B']],
      // ne: an absent value is "not equal"
      ['title ne "Engineer"', ['B', 'D', 'E', 'G']],
      ['active ne true', ['C', 'F']],
      ['externalId ne "carol"', ['A', 'B', 'D', 'E', 'F', 'G', 'H']],
      // co sw ew
      ['userName co "EXAMPLE.COM"', ['A', 'B', 'E', 'H']],
      ['displayName co "an"', ['A', 'F']],
      ['emails co "@x.io"', ['F', 'G', 'H']],
      ['emails.value co "home"', ['A', 'C']],
      ['userName sw "e"', ['E']],
      ['displayName sw "c"', ['C']],
      ['name.familyName sw "H"', ['G']],
      ['userName ew ".org"', ['C', 'D']],
      ['emails.value ew "@EXAMPLE.com"', ['A', 'B', 'E', 'H']],
      // gt ge lt le on strings and dateTimes
      ['urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber gt "1003"', ['D', 'E', 'F', 'G']],
      ['employeeNumber ge "2001"', ['G']],
      ['employeeNumber lt "1001"', ['H']],
      ['employeeNumber le "1002"', ['A', 'B', 'H']],
      ['userName lt "c"', ['A', 'B']],
      ['userName ge "grace"', ['G', 'H']],
      ['userName gt "F"', ['F', 'G', 'H']],
      ['meta.lastModified gt "<before>"', ALL],
      ['meta.lastModified gt "<after>"', []],
      ['meta.lastModified le "<after>"', ALL],
      ['meta.created lt "<created:E>"', ['A', 'B', 'C', 'D']],
      ['meta.created ge "<created:E>"', ['E', 'F', 'G', 'H']],
      ['meta.created gt "2000-01-01T00:00:00Z" and meta.created lt "2999-12-31T23:59:59Z"', ALL],
      // pr
      ['title pr', ['A', 'B', 'C', 'D', 'F', 'G', 'H']],
      ['externalId pr', ['A', 'B', 'C', 'E', 'F', 'G', 'H']],
      ['phoneNumbers pr', ['A', 'B', 'D']],
      ['name pr', ALL],
      ['urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager pr', ['B', 'C', 'E']],
      // and / or / not, parentheses and precedence (not > and > or)
      ['title eq "Engineer" and active eq true', ['A', 'H']],
      ['title eq "Engineer" or title eq "Director"', ['A', 'C', 'D', 'F', 'H']],
      ['title eq "Manager" or title eq "Director" and active eq false', ['B']],
      ['(title eq "Manager" or title eq "Director") and active eq true', ['B', 'D']],
      ['userName sw "grace" or userName sw "bob" and active eq false', ['G']],
      ['(userName sw "grace" or userName sw "bob") and active eq false', []],
      ['active eq false and title eq "Engineer" or userName eq "dave@example.org"', ['C', 'D', 'F']],
      ['active eq false and (title eq "Engineer" or userName eq "dave@example.org")', ['C', 'F']],
      ['not (active eq true)', ['C', 'F']],
      ['not (title eq "Engineer") and active eq true', ['B', 'D', 'E', 'G']],
      ['not (title eq "Engineer" and active eq true)', ['B', 'C', 'D', 'E', 'F', 'G']],
      ['NOT (active EQ true) AND title Eq "Engineer"', ['C', 'F']],
      ['not (not (active eq false))', ['C', 'F']],
      ['((userName eq "alice@example.com"))', ['A']],
      ['(userName eq "alice@example.com" or userName eq "bob@example.com") and (title eq "Manager" or active eq false)', ['B']],
      ['userName eq "alice@example.com" or userName eq "bob@example.com" or userName eq "carol@example.org" and active eq true', ['A', 'B']],
      // value paths
      ['emails[type eq "work" and value co "@example.com"]', ['A', 'B', 'E', 'H']],
      ['emails[type eq "work" and value co "@x"]', ['F', 'G']],
      ['emails[type eq "home" and primary eq true]', ['C', 'D']],
      ['emails[type eq "work" and primary eq true]', ['A', 'B', 'E', 'F', 'G', 'H']],
      ['emails[value eq "ALICE.HOME@MAIL.NET"]', ['A']],
      ['emails[not (type eq "work")]', ['A', 'C', 'D', 'H']],
      ['emails[type eq "work"]', ['A', 'B', 'C', 'E', 'F', 'G', 'H']],
      ['not (emails[type eq "work"])', ['D']],
      ['EMAILS[TYPE EQ "HOME"]', ['A', 'C', 'D']],
      ['phoneNumbers[type eq "mobile"]', ['B']],
      ['emails[type eq "work"] and active eq false', ['C', 'F']],
      ['emails[type eq "home"] or phoneNumbers[type eq "mobile"]', ['A', 'B', 'C', 'D']],
      ['emails[type eq "work" or type eq "other"] and emails[value ew ".io"]', ['F', 'G', 'H']],
      // sub-attribute paths
      ['name.givenName eq "carol"', ['C']],
      ['name.familyName eq "O\'Neil"', ['D']],
      ['emails.value eq "frank@x.io"', ['F']],
      ['emails.type eq "other"', ['H']],
      ['emails eq "bob@example.com"', ['B']],
      ['phoneNumbers.value sw "+1"', ['A', 'B']],
      // the Enterprise extension, with and without its URN, and a custom extension kept as sent
      ['urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "R&D"', ['A', 'C', 'F', 'H']],
      ['urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "r&d"', ['A', 'C', 'F', 'H']],
      ['URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USER:DEPARTMENT eq "Navy"', ['G']],
      ['department eq "Sales"', ['B', 'E']],
      ['urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "1002"', ['B']],
      ['urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "<id:A>"', ['B', 'C']],
      [`${CUSTOM}:badge eq "42"`, ['A']],
      [`${CUSTOM}:badge eq "7"`, ['C']],
      [`${CUSTOM}:badge pr`, ['A', 'C']],
      [`${CUSTOM}:badge eq "42" or department eq "Navy"`, ['A', 'G']],
      // manager, and Entra's manager probe
      ['manager eq "<id:A>"', ['B', 'C']],
      ['manager eq "<id:B>"', ['E']],
      ['manager.value eq "<id:B>"', ['E']],
      ['urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager eq "<id:A>"', ['B', 'C']],
      ['id eq "<id:B>" and manager eq "<id:A>"', ['B']],
      ['id eq "<id:E>" and manager eq "<id:A>"', []],
      // id
      ['id eq "<id:C>"', ['C']],
      ['id eq "<ID:C>"', ['C']],
      ['id eq "not-a-uuid"', []],
      ['id ne "not-a-uuid"', ALL],
      ['id eq "00000000-0000-0000-0000-000000000000"', []],
      // a user's groups
      ['groups eq "<group:Eng>"', ['A', 'C', 'F']],
      ['groups[display eq "Sales Team"]', ['B', 'E']],
      ['not (groups pr)', ['D', 'G', 'H']],
    ];

    for (const [filter, expected] of cases) {
      it(filter, async () => {
        const response = await listUsers(filter);
        const want = sorted(expected.map((k) => USER_NAMES[k]));
        expect(sorted(userNamesOf(response)), filter).toEqual(want);
        expect(response.body.totalResults, filter).toBe(want.length);
        expect(response.body.schemas).toEqual(['urn:ietf:params:scim:api:messages:2.0:ListResponse']);
      });
    }

    it('names custom-extension attributes in any case (attribute names are case-insensitive, RFC 7643 §2.1)', async () => {
      const response = await listUsers(`${CUSTOM}:BADGE eq "42"`);
      // Regression (found by this test, fixed): attributes of an unmodeled extension are looked up in JSONB with a case-sensitive key
      // (`extensions #>> '{urn,BADGE}'`), so `…:BADGE eq "42"` finds nobody although the user has "badge": "42".
      expect(userNamesOf(response)).toEqual([USER_NAMES.A]);
    });
  });

  describe('POST /Users/.search takes the same filters in its body', () => {
    it('filters, pages and projects', async () => {
      const response = await scim.post('/Users/.search', {
        schemas: [SEARCH_REQUEST],
        filter: 'title eq "Engineer" and active eq true',
        startIndex: 1,
        count: 10,
        attributes: ['userName'],
      });
      expect(response.status, JSON.stringify(response.body)).toBe(200);
      expect(sorted(userNamesOf(response))).toEqual(sorted([USER_NAMES.A, USER_NAMES.H]));
      expect(response.body.totalResults).toBe(2);
      for (const resource of response.body.Resources) expect(resource.emails).toBeUndefined();
    });

    it('handles value paths and extensions', async () => {
      const response = await scim.post('/Users/.search', {
        schemas: [SEARCH_REQUEST],
        filter: `emails[type eq "home"] and ${ENTERPRISE_USER}:department eq "R&D"`,
      });
      expect(response.status, JSON.stringify(response.body)).toBe(200);
      expect(sorted(userNamesOf(response))).toEqual(sorted([USER_NAMES.A, USER_NAMES.C]));
    });

    it('counts without listing when count is 0', async () => {
      const response = await scim.post('/Users/.search', { schemas: [SEARCH_REQUEST], filter: 'active eq false', count: 0 });
      expect(response.status, JSON.stringify(response.body)).toBe(200);
      expect(response.body.totalResults).toBe(2);
      expect(response.body.Resources ?? []).toEqual([]);
    });

    it('answers 400 invalidFilter for a malformed filter', async () => {
      const filter = 'userName eq "a" and';
      expectInvalidFilter(await scim.post('/Users/.search', { schemas: [SEARCH_REQUEST], filter }), filter);
    });

    it('filters groups too', async () => {
      const response = await scim.post('/Groups/.search', {
        schemas: [SEARCH_REQUEST],
        filter: `members[value eq "${ids.B}"]`,
        excludedAttributes: ['members'],
      });
      expect(response.status, JSON.stringify(response.body)).toBe(200);
      expect(response.body.Resources.map((g: { displayName: string }) => g.displayName)).toEqual([GROUP_NAMES.Sales]);
      expect(response.body.Resources[0].members).toBeUndefined();
    });
  });

  describe('GET /Groups?filter=… returns exactly the matching groups', () => {
    const cases: [filter: string, expected: GroupKey[]][] = [
      ['displayName eq "Engineering"', ['Eng']],
      ['displayName eq "ENGINEERING"', ['Eng']],
      ['DISPLAYNAME EQ "sales team"', ['Sales']],
      ['externalId eq "OBJID-sales"', ['Sales']],
      ['externalId eq "objid-sales"', []],
      ['externalId eq "objid-empty"', ['Empty']],
      ['members[value eq "<id:A>"]', ['Eng']],
      ['members[value eq "<id:D>"]', []],
      ['members eq "<id:B>"', ['Sales']],
      ['members.value eq "<id:F>"', ['Eng']],
      ['members[value eq "<id:A>"] or members[value eq "<id:E>"]', ['Eng', 'Sales']],
      ['members[value eq "not-a-uuid"]', []],
      ['members[display co "bob"]', ['Sales']],
      ['members pr', ['Eng', 'Sales']],
      ['not (members pr)', ['Empty']],
      ['displayName sw "e"', ['Eng', 'Empty']],
      ['displayName co "team" or externalId eq "objid-empty"', ['Sales', 'Empty']],
      ['displayName ew "group" and not (members pr)', ['Empty']],
      ['id eq "<group:Sales>"', ['Sales']],
      ['id eq "not-a-uuid"', []],
      ['meta.created gt "<before>"', ['Eng', 'Sales', 'Empty']],
      ['urn:ietf:params:scim:schemas:core:2.0:Group:displayName eq "Empty Group"', ['Empty']],
    ];

    for (const [filter, expected] of cases) {
      it(filter, async () => {
        const response = await scim.get('/Groups', { filter: expand(filter), excludedAttributes: 'members' });
        expect(response.status, `${filter}: ${JSON.stringify(response.body)}`).toBe(200);
        const names = response.body.Resources.map((g: { displayName: string }) => g.displayName);
        expect(sorted(names), filter).toEqual(sorted(expected.map((k) => GROUP_NAMES[k])));
        expect(response.body.totalResults).toBe(expected.length);
        for (const group of response.body.Resources) expect(group.members).toBeUndefined();
      });
    }

    it('malformed group filters answer 400 invalidFilter', async () => {
      for (const filter of ['userName eq "x"', 'members[value eq "x"', 'members[display[value eq "x"]]', 'displayName.first eq "x"', 'members.value.x eq "a"']) {
        expectInvalidFilter(await scim.get('/Groups', { filter }), filter);
      }
    });
  });

  describe('malformed filters answer 400 invalidFilter, never a 500', () => {
    const deep = `${'('.repeat(40)}userName eq "a"${')'.repeat(40)}`;
    const long = `userName eq "${'a'.repeat(5000)}"`;
    const malformed: [reason: string, filter: string][] = [
      ['empty', ''],
      ['blank', '   '],
      ['missing value', 'userName eq'],
      ['missing operator and value', 'userName'],
      ['unknown operator', 'userName xx "a"'],
      ['symbolic operator', 'userName == "a"'],
      ['unterminated string', 'userName eq "abc'],
      ['bad escape', 'userName eq "a\\qb"'],
      ['truncated unicode escape', 'userName eq "\\u12"'],
      ['single-quoted string', "userName eq 'a'"],
      ['a logical operator as a bare value', 'userName eq and'],
      ['a bare value that is no word', 'userName eq alice!'],
      ['invalid number', 'userName eq -'],
      ['trailing garbage', 'userName eq "a" extra'],
      ['two expressions without a conjunction', 'userName eq "a" userName eq "b"'],
      ['value after pr', 'userName pr "x"'],
      ['and with nothing after', 'userName eq "a" and'],
      ['or with nothing after', 'userName eq "a" or'],
      ['leading and', 'and userName eq "a"'],
      ['not without parentheses', 'not userName eq "a"'],
      ['unbalanced opening parenthesis', '(userName eq "a"'],
      ['unbalanced closing parenthesis', 'userName eq "a")'],
      ['empty parentheses', '()'],
      ['unbalanced opening bracket', 'emails[type eq "work"'],
      ['unbalanced closing bracket', 'emails[type eq "work"]]'],
      ['empty brackets', 'emails[]'],
      ['nested value path', 'emails[type[value eq "x"] eq "y"]'],
      ['nested value path inside', 'emails[value[type eq "x"]]'],
      ['sub-attribute path inside brackets', 'emails[value.x eq "y"]'],
      ['URN inside brackets', 'emails[urn:ietf:params:scim:schemas:core:2.0:User:value eq "y"]'],
      ['value path then sub-attribute (a PATCH path, not a filter)', 'emails[type eq "work"].value eq "x"'],
      ['value filter after a sub-attribute', 'name.givenName[value eq "x"]'],
      ['value path on a single-valued attribute', 'userName[value eq "x"]'],
      ['unknown core attribute', 'foo eq "x"'],
      ['attribute of another resource type', 'members eq "x"'],
      ['unknown enterprise attribute', `${ENTERPRISE_USER}:shoeSize eq "x"`],
      ['sub-attribute on a simple attribute', 'userName.first eq "x"'],
      ['sub-attribute on an enterprise simple attribute', `${ENTERPRISE_USER}:department.x eq "x"`],
      ['too many dots', 'name.givenName.x eq "a"'],
      ['empty sub-attribute', 'name..givenName eq "a"'],
      ['complex attribute without a sub-attribute', 'name eq "x"'],
      ['unknown sub-attribute of a complex attribute', 'name.nickName eq "x"'],
      ['unknown sub-attribute of a multi-valued attribute', 'emails.foo eq "x"'],
      ['unknown sub-attribute inside brackets', 'emails[foo eq "x"]'],
      ['unknown sub-attribute of manager', 'manager.displayName eq "x"'],
      ['gt on a boolean', 'active gt true'],
      ['co on a boolean', 'active co "t"'],
      ['a boolean compared with a non-boolean', 'active eq "yes"'],
      ['a boolean sub-attribute compared with a number', 'emails[primary eq 1]'],
      ['lt with null', 'userName lt null'],
      ['a dateTime compared with a non-date', 'meta.lastModified gt "not-a-date"'],
      ['a dateTime compared with a number', 'meta.lastModified gt 5'],
      ['co on a dateTime', 'meta.lastModified co "2020"'],
      ['invalid schema URN', 'urn:foo eq "x"'],
      ['attribute starting with an underscore', '_x eq "a"'],
      ['unexpected character', 'userName eq "a" & userName eq "b"'],
      ['quote in an attribute name', `${CUSTOM}:x'y eq "z"`],
      ['semicolon in an attribute name', 'userName;drop eq "x"'],
      ['nested too deeply', deep],
      ['too long', long],
    ];

    it('has at least 30 cases', () => {
      expect(malformed.length).toBeGreaterThanOrEqual(30);
    });

    for (const [reason, filter] of malformed) {
      it(`${reason}: ${filter.length > 60 ? `${filter.slice(0, 60)}…` : filter}`, async () => {
        expectInvalidFilter(await scim.get('/Users', { filter }), filter);
      });
    }

    it('a NUL character in a filter value is not a server error', async () => {
      const filter = 'userName eq "a\\u0000b"';
      const response = await scim.get('/Users', { filter });
      // Regression (found by this test, fixed): the decoded value "a\u0000b" goes into the query unchecked; PostgreSQL rejects U+0000 ("invalid
      // message format") and the DriverException becomes a 500. Write paths refuse NUL (assertStorableText);
      // the filter path does not. Either "no match" (200, empty) or 400 invalidFilter is right, a 500 never is.
      expect(response.status, JSON.stringify(response.body)).toBeLessThan(500);
      if (response.status === 200) expect(response.body.totalResults).toBe(0);
      else expect(response.body.scimType).toBe('invalidFilter');
    });

    it('a dateTime JavaScript accepts but PostgreSQL cannot hold is 400 invalidFilter, not a 500', async () => {
      const filter = 'meta.lastModified gt "+275000-01-01T00:00:00Z"';
      const response = await scim.get('/Users', { filter });
      // Regression (found by this test, fixed): Date.parse accepts the extended year, toISOString() gives "+275000-01-01T00:00:00.000Z", and
      // PostgreSQL's ::timestamptz cast fails ("time zone displacement out of range"): a 500 instead of 400.
      expect(response.status, JSON.stringify(response.body)).toBe(400);
      expectInvalidFilter(response, filter);
    });
  });

  describe('SQL metacharacters are matched literally', () => {
    const cases: [filter: string, expected: Key[]][] = [
      [`userName eq "x'; drop table users; --"`, []],
      [`userName eq "alice@example.com' or '1'='1"`, []],
      ['userName eq "\\" or 1=1 --"', []],
      [`displayName eq "Dave O'Neil"`, ['D']],
      [`displayName co "'"`, ['D']],
      [`displayName co "%' or '1'='1"`, []],
      ['displayName co "%"', ['F']],
      ['displayName sw "%"', []],
      ['displayName co "%%"', []],
      ['displayName sw "_"', ['G']],
      ['displayName co "_"', ['G']],
      ['userName co "_"', ['G']],
      ['userName co "e_a"', []],
      ['displayName co "\\\\"', ['H']],
      ['displayName eq "Henry \\\\ Back $1 ?"', ['H']],
      ['displayName co "$1"', ['H']],
      ['displayName ew "?"', ['H']],
      ['displayName co "?"', ['H']],
      ['externalId eq "$1"', []],
      ['title eq "?"', []],
      ['displayName co ";"', []],
      ['displayName co "\\\\%"', []],
      ['displayName co "*"', []],
      ['userName eq "$$; drop table users; $$"', []],
      ['userName co ")) or true --"', []],
      [`${CUSTOM}:badge eq "42' or '1'='1"`, []],
      [`emails[value co "'"] or emails[value co "%"]`, []],
    ];

    for (const [filter, expected] of cases) {
      it(filter, async () => {
        const response = await listUsers(filter);
        expect(sorted(userNamesOf(response)), filter).toEqual(sorted(expected.map((k) => USER_NAMES[k])));
      });
    }

    it('every seeded user is still there afterwards', async () => {
      const all = await scim.get('/Users');
      expect(all.status).toBe(200);
      expect(all.body.totalResults).toBe(PEOPLE.length);
      expect(sorted(userNamesOf(all))).toEqual(sorted(Object.values(USER_NAMES)));
      const [row] = await sql<{ n: number }>(
        portico.databaseUrl,
        'select count(*)::int as n from users u join tenants t on t.id = u.tenant_id where t.slug = $1',
        [TENANT],
      );
      expect(row.n).toBe(PEOPLE.length);
      const groups = await scim.get('/Groups', { excludedAttributes: 'members' });
      expect(groups.body.totalResults).toBe(3);
    });
  });
});
