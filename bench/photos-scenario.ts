import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { entraUser } from '../test/fixtures/entra';
import { startFakeMicrosoft } from '../test/fixtures/fake-microsoft';
import { sizedJpeg } from '../test/fixtures/images';
import { cpuOf, graphql, HttpClient, pool, type BenchServer } from './harness';

export interface PhotosScenarioOptions {
  /** Users per size measured, e.g. [1000, 10000]: memory should not grow with them. */
  userCounts: number[];
  /** Graph latency added by the fake to every Graph request. */
  latencyMs: number;
  photoBytes: number;
  /** PORTICO_DIRECTORY_SYNC_CONCURRENCY of the server. */
  concurrency: number;
}

/** Starts the server the scenario needs (pointed at the fake): the caller passes `startServer`. */
export type ServerStarter = (env: Record<string, string>) => Promise<BenchServer>;

const rssKiB = (pid: number): number => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN);

/**
 * Directory sync of profile photos against a local fake of Microsoft's login and Graph endpoints with
 * `latencyMs` per Graph request and `photoBytes` photos: for each user count, the first sync (every photo
 * downloaded) and the second (every photo unchanged: metadata only), each against its latency bound
 * (requests × latency ÷ concurrency), and the server's resident memory before and at its peak during each.
 */
export async function runPhotosScenario(startServer: ServerStarter, options: PhotosScenarioOptions): Promise<string[]> {
  const fake = await startFakeMicrosoft({ latencyMs: options.latencyMs, keepLog: false });
  const server = await startServer({
    PORTICO_LOGIN_URL: fake.loginUrl,
    PORTICO_GRAPH_URL: fake.graphUrl,
    PORTICO_DIRECTORY_SYNC_MINUTES: '0',
    PORTICO_DIRECTORY_SYNC_CONCURRENCY: String(options.concurrency),
  });
  const photo = sizedJpeg(options.photoBytes);
  const lines = [
    `Directory photo sync: fake Graph with ${options.latencyMs} ms per request, ${(options.photoBytes / 1024).toFixed(0)} kB photos, sync concurrency ${options.concurrency}`,
    `  ${'users'.padStart(6)} ${'sync'.padEnd(7)} ${'requests'.padStart(8)} ${'bound s'.padStart(8)} ${'took s'.padStart(8)} ${'× bound'.padStart(8)} ${'downloaded'.padStart(10)} ${'unchanged'.padStart(9)} ${'skipped'.padStart(7)} ${'RSS before MiB'.padStart(14)} ${'peak MiB'.padStart(8)} ${'grew MiB'.padStart(8)} ${'CPU s'.padStart(6)}`,
  ];
  try {
    for (const users of options.userCounts) {
      const slug = `photos-${users}-${Date.now().toString(36)}`;
      await graphql(server, 'mutation($s: String!) { createTenant(input: { slug: $s }) { id } }', { s: slug });
      await graphql(server, 'mutation($s: String) { enableScim(tenant: $s) { enabled } }', { s: slug });
      const token = ((await graphql(server, 'mutation($s: String) { generateScimToken(tenant: $s) { token } }', { s: slug })) as { generateScimToken: { token: string } })
        .generateScimToken.token;
      const client = new HttpClient(server.url, 16);
      // Users provisioned as Entra does with the objectId mapping: Graph is asked for them by that id.
      await pool(Array.from({ length: users }, (_, i) => i), 16, async (i) => {
        const objectId = randomUUID();
        const userName = `person${i}.${slug}@bench.example`;
        fake.addUser({ id: objectId, userPrincipalName: userName, photo: { bytes: photo, contentType: 'image/jpeg' } });
        const response = await client.request(
          'POST',
          `/api/${slug}/scim/v2/Users`,
          { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json' },
          JSON.stringify(entraUser({ userName, externalId: objectId })),
        );
        if (response.status !== 201) throw new Error(`POST /Users: ${response.status} ${response.text.slice(0, 200)}`);
      });
      client.close();
      await graphql(server, 'mutation($s: String, $i: DirectoryProviderInput!) { configureDirectoryProvider(tenant: $s, input: $i) { clientId } }', {
        s: slug,
        i: { directoryTenantId: fake.app.directoryTenantId, clientId: fake.app.clientId, clientSecret: fake.app.clientSecret },
      });
      for (const label of ['first', 'second']) {
        fake.clearLog();
        const before = rssKiB(server.pid);
        let peak = before;
        const sampler = setInterval(() => (peak = Math.max(peak, rssKiB(server.pid))), 100);
        const cpuBefore = cpuOf(server.pid);
        const started = performance.now();
        const sync = await syncAndWait(server, slug);
        const seconds = (performance.now() - started) / 1000;
        clearInterval(sampler);
        const cpu = cpuOf(server.pid) - cpuBefore;
        peak = Math.max(peak, rssKiB(server.pid));
        if (sync.state !== 'SUCCEEDED') throw new Error(`sync ${label} failed: ${sync.error}`);
        const counts = fake.counts();
        const requests = counts.metadataRequests + counts.valueRequests;
        const bound = (requests * options.latencyMs) / options.concurrency / 1000;
        lines.push(
          `  ${String(users).padStart(6)} ${label.padEnd(7)} ${String(requests).padStart(8)} ${bound.toFixed(1).padStart(8)} ${seconds.toFixed(1).padStart(8)} ${(seconds / bound).toFixed(2).padStart(8)} ${String(sync.photosDownloaded).padStart(10)} ${String(sync.photosUnchanged).padStart(9)} ${String(sync.photosSkipped).padStart(7)} ${(before / 1024).toFixed(0).padStart(14)} ${(peak / 1024).toFixed(0).padStart(8)} ${((peak - before) / 1024).toFixed(0).padStart(8)} ${cpu.toFixed(1).padStart(6)}`,
        );
      }
    }
  } finally {
    await server.stop();
    await fake.close();
  }
  lines.push('  took s: from syncDirectory to the finished record (polled every 100 ms); bound: requests × latency ÷ concurrency;');
  lines.push('  RSS: the server process\'s resident memory before the sync and its peak during it (sampled every 100 ms), and by how much the sync grew it: flat in the number of users when no photo is held after it is stored; CPU s: the server process\'s CPU during the sync.');
  return lines;
}

interface SyncRecord {
  state: string;
  error: string | null;
  photosDownloaded: number;
  photosUnchanged: number;
  photosSkipped: number;
}

async function syncAndWait(server: BenchServer, slug: string): Promise<SyncRecord> {
  const fields = 'state error photosDownloaded photosUnchanged photosSkipped';
  await graphql(server, `mutation($s: String) { syncDirectory(tenant: $s) { id } }`, { s: slug });
  for (;;) {
    const data = (await graphql(server, `query($s: String) { tenant(tenant: $s) { directoryProvider { lastSync { ${fields} } } } }`, { s: slug })) as {
      tenant: { directoryProvider: { lastSync: SyncRecord } };
    };
    const sync = data.tenant.directoryProvider.lastSync;
    if (sync.state !== 'RUNNING') return sync;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
