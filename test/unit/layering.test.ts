import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = path.resolve(__dirname, '../../src');

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? filesUnder(full) : full.endsWith('.ts') ? [full] : [];
  });
}

/** Every module specifier a file imports or requires (static, dynamic, re-exports). */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specifiers = [
    ...text.matchAll(/\bfrom\s+['"]([^'"]+)['"]/g),
    ...text.matchAll(/\bimport\s+['"]([^'"]+)['"]/g),
    ...text.matchAll(/\b(?:import|require)\(\s*['"]([^'"]+)['"]\s*\)/g),
  ];
  return specifiers.map((m) => m[1]);
}

/** Database calls that only repositories (and src/db) make. */
const DATABASE_CALLS = /\b(?:em|tx|trx|this\.em)\.(?:execute|find|findOne|findOneOrFail|findAndCount|count|nativeUpdate|nativeDelete|nativeInsert|getKnex)\(|\.getKnex\(\)|\bsql\.query\(|\b(?:queryPrepared|insertRow|rowById)\(/g;
/** A string literal (quoted or template) holding a SQL statement, written in lower case as this code base writes SQL (prose starts with a capital). */
const SQL_STATEMENT = /(['"`])(?:(?!\1)[\s\S])*?\b(?:select\s[\s\S]*?\sfrom\s+[a-z_"]|insert\s+into\s|delete\s+from\s|update\s+[a-z_"]+\s+set\s)(?:(?!\1)[\s\S])*?\1/g;

/** What in `text` is SQL outside a repository: database calls and SQL statement literals (comments ignored). */
function sqlFindings(text: string): string[] {
  const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '').replace(/\n\s*\/\/.*$/gm, '');
  return [...code.matchAll(DATABASE_CALLS), ...code.matchAll(SQL_STATEMENT)].map((m) => m[0].replace(/\s+/g, ' ').slice(0, 80));
}

const TRANSPORT_PACKAGES = [
  /^express(\/|$)/,
  /^@as-integrations\//,
  /^@apollo\//,
  /^graphql(\/|$)/,
  /^graphql-/,
  /^type-graphql(\/|$)/,
  /^@node-saml\//,
  /^passport/,
  /^xml-crypto/,
  /^ws$/,
  /^pino-http/,
];
const TRANSPORT_FOLDERS = ['graphql', 'http', 'scim', 'saml', 'cli'].map((f) => path.join(SRC, f));

describe('layering (ARCHITECTURE rule 1)', () => {
  const domainFiles = filesUnder(path.join(SRC, 'domain'));

  it('finds the domain sources', () => {
    expect(domainFiles.length).toBeGreaterThan(10);
  });

  it('src/domain imports no transport library and no transport folder', () => {
    const violations: string[] = [];
    for (const file of domainFiles) {
      for (const specifier of importsOf(file)) {
        const relative = path.relative(SRC, file);
        if (TRANSPORT_PACKAGES.some((pattern) => pattern.test(specifier))) violations.push(`${relative} → ${specifier}`);
        if (specifier.startsWith('.')) {
          const target = path.resolve(path.dirname(file), specifier);
          if (TRANSPORT_FOLDERS.some((folder) => target === folder || target.startsWith(folder + path.sep))) {
            violations.push(`${relative} → ${specifier}`);
          }
        }
      }
    }
    expect(violations).toEqual([]);
  });

  it('the detector itself catches a transport import', () => {
    const sample = "import express from 'express';\nimport { x } from '../../graphql/context';";
    const found = [...sample.matchAll(/\bfrom\s+['"]([^'"]+)['"]/g)].map((m) => m[1]);
    expect(found.some((s) => TRANSPORT_PACKAGES.some((p) => p.test(s)))).toBe(true);
  });

  it('transports reach the database only through domain services (no EntityManager use outside domain and db)', () => {
    const offenders = filesUnder(SRC)
      .filter((file) => TRANSPORT_FOLDERS.some((folder) => file.startsWith(folder + path.sep)))
      .filter((file) => /\bem\.(find|persist|flush|execute|nativeUpdate|nativeDelete|getKnex)\b|@mikro-orm\//.test(readFileSync(file, 'utf8')))
      .filter((file) => !file.endsWith(path.join('cli', 'run-cli.ts'))); // the CLI opens the ORM to run migrations
    expect(offenders.map((f) => path.relative(SRC, f))).toEqual([]);
  });

  it('SQL lives in repositories and src/db only: no database call and no SQL statement anywhere else (issue 14)', () => {
    const offenders = filesUnder(SRC)
      .filter((file) => !file.startsWith(path.join(SRC, 'db') + path.sep) && !file.startsWith(path.join(SRC, 'console') + path.sep))
      .filter((file) => !file.endsWith('.repository.ts'))
      .flatMap((file) => sqlFindings(readFileSync(file, 'utf8')).map((finding) => `${path.relative(SRC, file)}: ${finding}`));
    expect(offenders).toEqual([]);
  });

  it('the SQL detector itself catches database calls and statements, and leaves prose alone', () => {
    expect(sqlFindings("await em.execute('select 1');")).not.toEqual([]);
    expect(sqlFindings('const rows = await sql.query(STATEMENT, [id]);')).not.toEqual([]);
    expect(sqlFindings('await em.find(User, { tenantId });')).not.toEqual([]);
    expect(sqlFindings('const knex = em.getKnex();')).not.toEqual([]);
    expect(sqlFindings("await em.nativeUpdate(Session, { userId }, { revokedAt: new Date() });")).not.toEqual([]);
    expect(sqlFindings('const text = `select id from users where tenant_id = $1`;')).not.toEqual([]);
    expect(sqlFindings("const q = 'delete from group_memberships where user_id = ?';")).not.toEqual([]);
    expect(sqlFindings('`update users set active = false`')).not.toEqual([]);
    expect(sqlFindings("'insert into provisioning_events (id) values (1)'")).not.toEqual([]);
    expect(sqlFindings("throw new DomainError('NOT_FOUND', 'Select a user from the list');\n// comments may say select … from")).toEqual([]);
  });

  it('no source deep-imports graphql/… (a second copy of graphql fails at run time)', () => {
    const deep = filesUnder(SRC).filter((file) => importsOf(file).some((s) => s.startsWith('graphql/')));
    expect(deep).toEqual([]);
  });
});
