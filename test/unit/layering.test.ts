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

  it('no source deep-imports graphql/… (a second copy of graphql fails at run time)', () => {
    const deep = filesUnder(SRC).filter((file) => importsOf(file).some((s) => s.startsWith('graphql/')));
    expect(deep).toEqual([]);
  });
});
