import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsersDocument } from '../../generated/graphql';
import type { Scope } from '../../../src/domain/shared/scope';
import { escapeLike } from '../../../src/domain/shared/sql';
import { sql } from '../../helpers/database';
import { createTenant, startTestPortico, type TestPortico } from '../../helpers/portico';

/**
 * `users(filter: { search })` reads the stored, indexed `users.search_text` (migration 20261201100000): it must
 * match exactly the users that "userName, displayName, given + family name or the emails ILIKE '%search%'" matches.
 */
describe('GraphQL users search', () => {
  let portico: TestPortico;
  let acme: Scope;

  const people = [
    { userName: 'Alice@Acme.example', displayName: 'Alice Liddell', emails: [{ value: 'Alice.Work@Acme.example', type: 'work', primary: true }] },
    { userName: 'bob@acme.example', givenName: 'Bob', familyName: 'Builder' },
    { userName: 'given-only@acme.example', givenName: 'Gönül' },
    { userName: 'family-only@acme.example', familyName: 'Øster-Straße' },
    { userName: 'ΣΊΣΥΦΟΣ@acme.example', displayName: 'ΣΊΣΥΦΟΣ Κόρινθος' },
    { userName: 'İstanbul@acme.example', displayName: 'İSTANBUL Kelvin \u212a' },
    { userName: 'quote@acme.example', displayName: 'Say "hi" \\ back', emails: [{ value: 'q"uote@acme.example', type: 'other' }] },
    { userName: 'newline@acme.example', displayName: 'Line one\nLine two' },
    { userName: 'carol@acme.example', displayName: 'Carol 100%_Match', active: false },
    { userName: 'dave@acme.example', displayName: 'Dave', givenName: 'David', familyName: 'Grohl', emails: [{ value: 'dg@band.example' }, { value: 'dave@home.example', type: 'home' }] },
    { userName: 'emoji@acme.example', displayName: 'Zoë 🎸 Muñoz' },
    // As Entra maps them by default: the userName is the e-mail, the display name the given and family name.
    { userName: 'Frank.Ocean@Acme.example', displayName: 'Frank Ocean', givenName: 'FRANK', familyName: 'ocean', emails: [{ value: 'frank.ocean@acme.example', type: 'work', primary: true }] },
  ];
  const searches = [
    'a', 'AL', 'alice', 'ALICE.WORK', 'liddell', 'bob builder', 'b b', 'gönül', 'GÖNÜL', 'straße', 'STRASSE', 'øster',
    'σίσυφος', 'ΣΊΣΥΦΟΣ', 'ς', 'istanbul', 'i̇stanbul', 'İstanbul', 'k', '\u212a', '"hi"', '\\', '"', 'q"uote', 'line two',
    'one\nline', 'e\nl', '\n', '100%_', '%', '_', 'a_', 'david grohl', 'grohl', 'dave dg', 'home', 'primary', 'type',
    '"value"', '": "', '🎸', 'zoë', 'ZOË', 'muñoz', '@acme.example\nbob', 'example alice', 'nothing-like-this', ' ',
    'frank.ocean@', 'FRANK OCEAN', 'k o', 'ocean\n', 'ean@acme', '", "', '\n[', 'ocean\n[',
  ];

  /** What the search matched before `search_text`: the four ILIKEs, straight on the table. */
  const byIlike = async (tenantId: string, search: string): Promise<string[]> => {
    const like = `%${escapeLike(search)}%`;
    const rows = await sql<{ user_name: string }>(
      portico.databaseUrl,
      `select user_name from users where tenant_id = $1 and deleted_at is null
         and (user_name ilike $2 or display_name ilike $2 or concat_ws(' ', given_name, family_name) ilike $2 or emails::text ilike $2)
       order by lower(user_name)`,
      [tenantId, like],
    );
    return rows.map((r) => r.user_name);
  };
  const bySearch = async (search: string, active?: boolean): Promise<{ names: string[]; total: number }> => {
    const result = await portico.gql(UsersDocument, { tenant: 'acme', first: 100, filter: { search, ...(active !== undefined && { active }) } });
    expect(result.errors).toBeUndefined();
    return { names: result.data!.users.edges.map((e) => e.node.userName), total: result.data!.users.totalCount };
  };

  beforeAll(async () => {
    portico = await startTestPortico();
    acme = await createTenant(portico, 'acme');
    for (const person of people) await portico.services.users.provision(acme, person, 'SCIM');
    // Neither another tenant's users nor tombstones are ever found.
    const other = await createTenant(portico, 'other');
    await portico.services.users.provision(other, { userName: 'alice@other.example', displayName: 'Alice Elsewhere' }, 'SCIM');
    const gone = await portico.services.users.provision(acme, { userName: 'gone-alice@acme.example', displayName: 'Alice Gone' }, 'SCIM');
    await portico.services.users.delete(acme, gone.id);
  });
  afterAll(() => portico?.stop());

  it('matches exactly what ILIKE on userName, displayName, name and emails matched, with the same total', async () => {
    for (const search of searches) {
      const expected = await byIlike(acme.tenantId, search);
      const found = await bySearch(search);
      expect({ search, names: found.names, total: found.total }).toEqual({ search, names: expected, total: expected.length });
    }
    expect((await bySearch('alice')).names).toEqual(['Alice@Acme.example']);
    // Parts found whole inside another one are stored once (and still found).
    const [frank] = await sql<{ search_text: string }>(portico.databaseUrl, `select search_text from users where user_name = 'Frank.Ocean@Acme.example'`);
    expect(frank.search_text).toBe('frank ocean\n[{"type": "work", "value": "frank.ocean@acme.example", "primary": true}]');
    expect((await bySearch('Frank.Ocean@acme')).names).toEqual(['Frank.Ocean@Acme.example']);
    expect((await bySearch('one\nline')).names).toEqual(['newline@acme.example']);
    // A newline in the search can match inside one attribute, never across two of them.
    expect((await bySearch('e\nl')).names).toEqual(['newline@acme.example']);
    expect((await bySearch('acme.example\nalice liddell')).names).toEqual([]);
  });

  it('follows a user\'s changes, and combines with the active filter', async () => {
    const bob = (await portico.services.users.list(acme, { filter: { userName: 'bob@acme.example' } })).items[0].node;
    await portico.services.users.update(acme, bob.id, { displayName: 'Robert Tables', emails: [{ value: 'robert@tables.example' }] });
    expect((await bySearch('tables')).names).toEqual(['bob@acme.example']);
    expect((await bySearch('robert@')).names).toEqual(['bob@acme.example']);
    expect(await bySearch('tables')).toEqual({ names: ['bob@acme.example'], total: 1 });
    expect(await bySearch('match', false)).toEqual({ names: ['carol@acme.example'], total: 1 });
    expect(await bySearch('match', true)).toEqual({ names: [], total: 0 });
    for (const search of ['tables', 'a', 'robert']) expect((await bySearch(search)).names).toEqual(await byIlike(acme.tenantId, search));
  });
});
