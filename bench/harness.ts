import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createDatabaseIfMissing } from '../src/db/database';
import { freePort, startEmbeddedPostgres } from '../src/db/embedded-postgres';
import { startPgBouncer } from '../test/fixtures/pgbouncer';

/** Latencies per operation, and the wall time they were spread over. */
export class Recorder {
  private readonly samples = new Map<string, number[]>();
  private started = performance.now();
  private finished = 0;
  count = 0;
  errors = new Map<string, number>();

  reset(): void {
    this.samples.clear();
    this.errors.clear();
    this.count = 0;
    this.started = performance.now();
  }

  async time<T>(operation: string, work: () => Promise<T>): Promise<T> {
    const start = performance.now();
    try {
      return await work();
    } finally {
      this.record(operation, performance.now() - start);
    }
  }

  record(operation: string, milliseconds: number): void {
    const list = this.samples.get(operation) ?? [];
    list.push(milliseconds);
    this.samples.set(operation, list);
    this.count += 1;
    this.finished = performance.now();
  }

  fail(operation: string): void {
    this.errors.set(operation, (this.errors.get(operation) ?? 0) + 1);
  }

  get seconds(): number {
    return (this.finished - this.started) / 1000;
  }

  stats(operation: string) {
    const list = [...(this.samples.get(operation) ?? [])].sort((a, b) => a - b);
    const at = (q: number) => (list.length === 0 ? NaN : list[Math.min(list.length - 1, Math.floor(q * list.length))]);
    return { n: list.length, p50: at(0.5), p95: at(0.95), p99: at(0.99), max: list[list.length - 1] ?? NaN };
  }

  operations(): string[] {
    return [...this.samples.keys()];
  }

  table(): string {
    const rows = this.operations().map((op) => {
      const s = this.stats(op);
      return `  ${op.padEnd(34)} ${String(s.n).padStart(7)} ${fmt(s.p50)} ${fmt(s.p95)} ${fmt(s.p99)} ${fmt(s.max)}`;
    });
    return [`  ${'operation'.padEnd(34)} ${'n'.padStart(7)} ${'p50 ms'.padStart(8)} ${'p95 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'max ms'.padStart(8)}`, ...rows].join('\n');
  }
}

const fmt = (ms: number) => (Number.isNaN(ms) ? '-' : ms.toFixed(2)).padStart(8);

/** Runs `work` over `items` with at most `concurrency` in flight. */
export async function pool<T>(items: T[], concurrency: number, work: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      await work(items[index], index);
    }
  });
  await Promise.all(workers);
}

export function machine(): string {
  const cpus = os.cpus();
  return `${os.hostname()} · ${cpus.length} × ${cpus[0]?.model ?? 'cpu'} · ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB · Node ${process.version} · ${os.platform()} ${os.release()}`;
}


export interface BenchServer {
  url: string;
  operatorToken: string;
  /** The server process (its memory and CPU are read from /proc). */
  pid: number;
  /** Its data directory (the embedded PostgreSQL cluster is `<dataDir>/pg`). */
  dataDir: string;
  /** Where the PostgreSQL it uses keeps its cluster (`<postgresDataDir>/pg`): its own `dataDir`, or the bench's behind `--pooler`. */
  postgresDataDir: string;
  stop(): Promise<void>;
}

/** The flags `npm start` gives Node for the server (package.json's `start` script): the bench runs it alike. */
function startScriptNodeFlags(): string[] {
  const packageJson = JSON.parse(readFileSync(path.resolve(__dirname, '../../package.json'), 'utf8')) as { scripts: { start: string } };
  const server = /\bnode((?:\s+--[\w-]+(?:=\S+)?)*)\s+dist\/src\/main\.js/.exec(packageJson.scripts.start);
  if (!server) throw new Error(`package.json's start script does not run "node [flags] dist/src/main.js": ${packageJson.scripts.start}`);
  return server[1].split(/\s+/).filter(Boolean);
}

/**
 * Starts Portico as `npm start` does (its own process, the embedded PostgreSQL) in a throwaway data
 * directory, so the load generator and the server do not share a JavaScript thread.
 */
export async function startServer(extraEnv: Record<string, string> = {}, options: { joinDataDir?: string; postgresDataDir?: string } = {}): Promise<BenchServer & { dataDir: string }> {
  // A second process joins the first one's embedded cluster (same data directory, same database).
  const dataDir = options.joinDataDir ?? mkdtempSync(path.join(os.tmpdir(), 'portico-bench-'));
  const port = await freePort();
  const operatorToken = `pto_bench_${randomBytes(16).toString('hex')}`;
  // BENCH_SERVER_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles the server while it is measured.
  const nodeArgs = [...startScriptNodeFlags(), ...(process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean)];
  const child: ChildProcess = spawn(process.execPath, [...nodeArgs, path.resolve(__dirname, '../src/main.js')], {
    env: {
      ...process.env,
      PORT: String(port),
      PORTICO_DATA_DIR: dataDir,
      PORTICO_OPERATOR_TOKEN: operatorToken,
      LOG_LEVEL: 'warn',
      PORTICO_SCIM_RATE_PER_SECOND: '0',
      // The load comes from one address: the per-address SAML limit would measure itself.
      PORTICO_SAML_RATE_PER_SECOND: '0',
      ...extraEnv,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`Portico exited with ${child.exitCode}`);
    try {
      if ((await fetch(`${url}/readyz`)).status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error('Portico did not become ready in 60 s');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return {
    url,
    dataDir,
    postgresDataDir: options.postgresDataDir ?? dataDir,
    operatorToken,
    pid: child.pid!,
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      if (!options.joinDataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export async function graphql(server: BenchServer, query: string, variables: Record<string, unknown> = {}) {
  const response = await fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${server.operatorToken}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: Record<string, unknown>; errors?: unknown[] };
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data!;
}

/**
 * A keep-alive HTTP client for the load: Node's http.Agent costs the load generator far less CPU per
 * request than fetch, and the load generator shares the machine with the server and the database.
 */
export class HttpClient {
  private readonly agent: http.Agent;

  constructor(
    private readonly origin: string,
    maxSockets: number,
  ) {
    this.agent = new http.Agent({ keepAlive: true, maxSockets });
  }

  request(
    method: string,
    path: string,
    headers: Record<string, string>,
    body?: string,
  ): Promise<{ status: number; text: string; headers: http.IncomingHttpHeaders }> {
    return new Promise((resolve, reject) => {
      const req = http.request(
        `${this.origin}${path}`,
        { method, agent: this.agent, headers: body === undefined ? headers : { ...headers, 'content-length': String(Buffer.byteLength(body)) } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8'), headers: res.headers }));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

/**
 * The fields of a /proc stat file after the command: state first, then (0-based here) ppid [1], utime [11],
 * stime [12], cutime [13], cstime [14] (fields 3, 4, 14–17 in man proc's 1-based count).
 */
function statFieldsOf(statPath: string): string[] {
  return readFileSync(statPath, 'utf8').split(') ')[1].split(' ');
}

/** User + system CPU seconds of a process and of its children it has reaped (/proc/<pid>/stat, clock ticks). */
export function cpuOf(pid: number, withReapedChildren = false): number {
  try {
    const fields = statFieldsOf(`/proc/${pid}/stat`);
    const own = Number(fields[11]) + Number(fields[12]);
    const reaped = withReapedChildren ? Number(fields[13]) + Number(fields[14]) : 0;
    return (own + reaped) / CLOCK_TICKS;
  } catch {
    return 0;
  }
}

const CLOCK_TICKS = 100;

/**
 * CPU seconds of a process's main thread (its JavaScript, and the garbage collection it does itself) and of all
 * its other threads together (V8's helpers: parallel scavenges, concurrent marking, optimizing compiles; libuv's
 * pool), from /proc/<pid>/task.
 */
export function threadCpuOf(pid: number): { main: number; helpers: number } {
  let main = 0;
  let helpers = 0;
  try {
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      try {
        const fields = statFieldsOf(`/proc/${pid}/task/${task}/stat`);
        const ticks = Number(fields[11]) + Number(fields[12]);
        if (task === String(pid)) main += ticks;
        else helpers += ticks;
      } catch {
        // the thread ended
      }
    }
  } catch {
    // the process ended
  }
  return { main: main / CLOCK_TICKS, helpers: helpers / CLOCK_TICKS };
}

/** The postmaster of the embedded cluster in `dataDir`, found by its command line. */
function postmasterOf(dataDir: string): number | null {
  const clusterDir = path.join(dataDir, 'pg');
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (cmdline[0]?.endsWith('/postgres') && cmdline.includes(clusterDir)) return Number(entry);
    } catch {
      // gone
    }
  }
  return null;
}

/**
 * CPU of the Portico process and of PostgreSQL (the postmaster, every live backend and helper, and those that
 * exited, which the postmaster reaped), read from /proc: what a request costs the machine, whatever its latency.
 */
export class CpuMeter {
  private readonly postmaster: number | null;

  constructor(
    private readonly porticoPid: number,
    dataDir: string,
  ) {
    this.postmaster = postmasterOf(dataDir);
  }

  /** CPU seconds so far: { portico, postgres } (postgres NaN when the cluster was not found). */
  read(): { portico: number; postgres: number } {
    const portico = cpuOf(this.porticoPid, false);
    if (this.postmaster === null) return { portico, postgres: NaN };
    let postgres = cpuOf(this.postmaster, true);
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const ppid = Number(statFieldsOf(`/proc/${entry}/stat`)[1]);
        if (ppid === this.postmaster) postgres += cpuOf(Number(entry), false);
      } catch {
        // gone
      }
    }
    return { portico, postgres };
  }
}

/**
 * Waits until PostgreSQL has used less than `idleShare` of a core over `windowMs` (autovacuum and the
 * checkpointer done with what the previous phase left), at most `maxMs`; returns the seconds waited. Runs
 * measured one after another start alike, whichever of them comes first.
 */
export async function untilDatabaseIsQuiet(meter: CpuMeter, { idleShare = 0.05, windowMs = 500, maxMs = 30_000 } = {}): Promise<number> {
  const start = performance.now();
  let before = meter.read().postgres;
  while (performance.now() - start < maxMs) {
    await new Promise((resolve) => setTimeout(resolve, windowMs));
    const now = meter.read().postgres;
    if (Number.isNaN(now) || (now - before) / (windowMs / 1000) < idleShare) break;
    before = now;
  }
  return (performance.now() - start) / 1000;
}

/** Where a bench server's database is: the environment that points a server at it. */
export interface BenchTarget {
  label: string;
  env: Record<string, string>;
  /** The data directory of the cluster the target's database is on (whose CPU is PostgreSQL's). */
  postgresDataDir: string;
}

/**
 * `--pooler`: one embedded PostgreSQL started by the bench itself, with two databases on it: one reached
 * directly over TCP, one through PgBouncer in transaction pooling mode (`poolSize` server connections; the
 * live feed's LISTEN direct, as PORTICO_LISTEN_DATABASE_URL says). The same scenario runs on each.
 */
export async function startPoolerTargets(poolSize: number): Promise<{ targets: BenchTarget[]; stop(): Promise<void> }> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'portico-bench-pg-'));
  const cluster = await startEmbeddedPostgres({ dataDir, persistent: false });
  const secretKey = randomBytes(32).toString('hex');
  for (const database of ['bench_direct', 'bench_pooled']) await createDatabaseIfMissing(cluster.adminUrl, database);
  const bouncer = await startPgBouncer({ upstreamUrl: cluster.urlFor('bench_pooled'), poolMode: 'transaction', poolSize });
  return {
    targets: [
      { label: 'direct (TCP to PostgreSQL)', env: { DATABASE_URL: cluster.urlFor('bench_direct'), PORTICO_SECRET_KEY: secretKey }, postgresDataDir: dataDir },
      {
        label: `through ${bouncer.version}, pool_mode=transaction, ${poolSize} server connections`,
        env: { DATABASE_URL: bouncer.url, PORTICO_LISTEN_DATABASE_URL: cluster.urlFor('bench_pooled'), PORTICO_SECRET_KEY: secretKey },
        postgresDataDir: dataDir,
      },
    ],
    stop: async () => {
      await bouncer.stop();
      await cluster.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * The figures of two runs of one scenario, line under line: each line of the first run with figures, and
 * under it the line of the second run for the same phase or operation (the same words, other numbers).
 */
export function lineUnderLine(tags: [string, string], first: string[], second: string[]): string[] {
  const words = (line: string) => line.replace(/\d[\d.,]*/g, '#').replace(/\s+/g, ' ').trim();
  const split = (lines: string[]) => lines.flatMap((line) => line.split('\n'));
  const remaining = split(second);
  const width = Math.max(tags[0].length, tags[1].length);
  const lines: string[] = [];
  for (const line of split(first)) {
    if (!/\d/.test(line)) continue;
    const index = remaining.findIndex((other) => words(other) === words(line));
    if (index < 0) continue;
    const [other] = remaining.splice(index, 1);
    lines.push(`${tags[0].padEnd(width)} │${line}`, `${tags[1].padEnd(width)} │${other}`);
  }
  return lines;
}
