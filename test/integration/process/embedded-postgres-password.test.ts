import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import fsPromises from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { startEmbeddedPostgres } from '../../../src/db/embedded-postgres';

/** Issue 11, finding 10: the embedded cluster's superuser password is never in a file another user can read. */

const readableByOthers = (mode: number) => (mode & 0o044) !== 0;

async function* filesUnder(dir: string): AsyncGenerator<string> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* filesUnder(full);
    else if (entry.isFile()) yield full;
  }
}

describe('embedded PostgreSQL first start', () => {
  it('writes the superuser password only to files of mode 0600 and keeps the data dir private', async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'portico-pgpw-'));
    // Watch every file written while the cluster is created, as it is written.
    const written: { file: string; mode: number; content: string }[] = [];
    const original = fsPromises.writeFile;
    fsPromises.writeFile = (async (...args: Parameters<typeof original>) => {
      await original(...args);
      const [file] = args;
      if (typeof file === 'string') written.push({ file, mode: (await stat(file)).mode & 0o777, content: await readFile(file, 'utf8') });
    }) as typeof original;
    let cluster;
    try {
      cluster = await startEmbeddedPostgres({ dataDir, persistent: false });
    } finally {
      fsPromises.writeFile = original;
    }
    try {
      const password = (await readFile(path.join(dataDir, 'pg-password'), 'utf8')).trim();
      expect(password.length).toBeGreaterThan(16);

      const withPassword = written.filter((w) => w.content.includes(password));
      // Ours in the data dir, and the one embedded-postgres hands to initdb in the temp dir.
      expect(withPassword.map((w) => path.dirname(w.file))).toContain(path.resolve(os.tmpdir()));
      for (const { file, mode } of withPassword) expect(mode.toString(8), file).toBe('600');
      for (const { file } of withPassword.filter((w) => path.dirname(w.file) === path.resolve(os.tmpdir()))) {
        await expect(stat(file), `${file} is removed after initdb`).rejects.toThrow();
      }

      const dataDirMode = (await stat(dataDir)).mode & 0o777;
      // As root the cluster runs as `postgres`, which needs to pass through (0711); otherwise 0700.
      expect(dataDirMode.toString(8)).toBe(process.getuid?.() === 0 ? '711' : '700');
      for await (const file of filesUnder(dataDir)) {
        const info = await stat(file);
        if (info.size > 1024 * 1024 || !readableByOthers(info.mode)) continue;
        expect((await readFile(file)).includes(password), `${file} (mode ${(info.mode & 0o777).toString(8)}) holds the password`).toBe(false);
      }
    } finally {
      await cluster.stop();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
