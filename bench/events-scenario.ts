import { performance } from 'node:perf_hooks';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { entraUser } from '../test/fixtures/entra';
import { measureDeliveryFloor, type DeliveryFloor } from './delivery-floor';
import { cpuOf, CpuMeter, graphql, HttpClient, pool, Recorder, type BenchServer } from './harness';

export interface EventsScenarioOptions {
  subscribers: number;
  tenants: number;
  writes: number;
  /** Writes before the first measured quiet round (and half as many before the first busy one), left out. */
  warmUpWrites: number;
  concurrency: number;
}

/** Events the fan-out without Portico sends (see delivery-floor.ts). */
const FLOOR_EVENTS = 20_000;

const SUBSCRIPTION = 'subscription($t: String) { provisioningEvents(tenant: $t) { id type subjectId } }';

/**
 * Live events across two processes on one database: `subscribers` graphql-ws connections, half on each
 * process, spread over `tenants` tenants; SCIM user creations at full speed (`concurrency`), half sent to
 * each process, with nobody subscribed and with everyone subscribed (two rounds each: quiet, busy, busy, quiet,
 * each kind after warm-up writes left out). Latency is from the moment the writer had its 201 (the commit
 * happened just before) to the moment a subscriber had the event.
 */
export async function runEventsScenario(servers: [BenchServer, BenchServer], options: EventsScenarioOptions): Promise<string[]> {
  const [a] = servers;
  const run = Date.now().toString(36);
  const tenants: { slug: string; token: string }[] = [];
  for (let t = 0; t < options.tenants; t += 1) {
    const slug = `ev-${run}-${t}`;
    await graphql(a, 'mutation($s: String!) { createTenant(input: { slug: $s }) { id } }', { s: slug });
    await graphql(a, 'mutation($s: String) { enableScim(tenant: $s) { enabled } }', { s: slug });
    const token = ((await graphql(a, 'mutation($s: String) { generateScimToken(tenant: $s) { token } }', { s: slug })) as { generateScimToken: { token: string } })
      .generateScimToken.token;
    tenants.push({ slug, token });
  }
  const ackedAt = new Map<string, number>();
  let written = 0;
  let retried = 0;
  const writeUsers = async (label: string, count: number) => {
    // Fresh keep-alive connections for each phase: the server closes idle ones (5 s) while the subscribers
    // join, and a request on such a one fails with ECONNRESET.
    const http = servers.map((server) => new HttpClient(server.url, options.concurrency));
    const start = performance.now();
    await pool(Array.from({ length: count }, (_, i) => i), options.concurrency, async (i) => {
      const tenant = tenants[i % tenants.length];
      const send = () =>
        http[i % 2].request(
          'POST',
          `/api/${tenant.slug}/scim/v2/Users`,
          { authorization: `Bearer ${tenant.token}`, 'content-type': 'application/scim+json' },
          JSON.stringify(entraUser({ userName: `${label}-${i}@events.bench.example` })),
        );
      // A connection that fails under the request (a reused keep-alive one the server closed as idle, on a machine
      // busy enough that requests queue for seconds) is retried once; a 409 then says the first one went through.
      const response = await send().catch((error: NodeJS.ErrnoException) => {
        if (!['ECONNRESET', 'ECONNREFUSED', 'EPIPE'].includes(error.code ?? '')) throw error;
        retried += 1;
        return send();
      });
      if (response.status === 409) {
        written += 1;
        return;
      }
      if (response.status !== 201) throw new Error(`POST /Users: ${response.status} ${response.text.slice(0, 200)}`);
      ackedAt.set((JSON.parse(response.text) as { id: string }).id, performance.now());
      written += 1;
    });
    const seconds = (performance.now() - start) / 1000;
    for (const client of http) client.close();
    return seconds;
  };

  // CPU of both Portico processes, of PostgreSQL and of this process (the writers and the 1,000 subscribers'
  // receiving end, on the same cores as the servers): what the writes and their deliveries cost, however busy the
  // machine is with other work (which makes throughput and latency noisy).
  const meter = new CpuMeter(a.pid, a.postgresDataDir);
  type Cpu = { portico: number; postgres: number; load: number };
  type DeliveryCost = Pick<DeliveryFloor, 'senderUs' | 'receiverUs'>;
  const ownCpu = () => {
    const { user, system } = process.cpuUsage();
    return (user + system) / 1e6;
  };
  const cpuNow = (): Cpu => {
    const { portico, postgres } = meter.read();
    return { portico: portico + cpuOf(servers[1].pid), postgres, load: ownCpu() };
  };
  const cpuSince = (start: Cpu): Cpu => {
    const now = cpuNow();
    return { portico: now.portico - start.portico, postgres: now.postgres - start.postgres, load: now.load - start.load };
  };

  // Two rounds each, quiet (nobody subscribed) and busy (everyone subscribed), in the order quiet, busy, busy, quiet:
  // on a shared host the same work runs faster or slower from one minute to the next, and a drift over the run
  // then weighs on both alike instead of on whichever was measured second.
  const perRound = Math.ceil(options.writes / 2);
  type Phase = { seconds: number; cpu: Cpu; rates: number[] };
  const quiet: Phase = { seconds: 0, cpu: { portico: 0, postgres: 0, load: 0 }, rates: [] };
  const busy: Phase = { seconds: 0, cpu: { portico: 0, postgres: 0, load: 0 }, rates: [] };
  const add = (phase: Phase, seconds: number, cpu: Cpu) => {
    phase.seconds += seconds;
    phase.rates.push(perRound / seconds);
    phase.cpu = { portico: phase.cpu.portico + cpu.portico, postgres: phase.cpu.postgres + cpu.postgres, load: phase.cpu.load + cpu.load };
  };
  const quietRound = async (label: string) => {
    const start = cpuNow();
    const seconds = await writeUsers(label, perRound);
    add(quiet, seconds, cpuSince(start));
  };

  let latencies = new Recorder();
  let delivered = 0;
  let beforeAck = 0;
  let failures = 0;
  let clients: Client[] = [];
  /** Subscribers: half on each process, each on one tenant. */
  const subscribeEveryone = async () => {
    const subscribed: Promise<void>[] = [];
    for (let s = 0; s < options.subscribers; s += 1) {
      const server = servers[s % 2];
      const client = createClient({
        url: `${server.url.replace(/^http/, 'ws')}/graphql`,
        webSocketImpl: WebSocket,
        connectionParams: { authorization: `Bearer ${server.operatorToken}` },
        retryAttempts: 0,
      });
      clients.push(client);
      subscribed.push(
        new Promise<void>((resolve) => {
          client.on('connected', () => resolve());
          // A connection refused or dropped (a busy machine may miss graphql-ws's 3 s handshake) counts as a
          // failed subscription instead of waiting forever.
          client.on('closed', () => resolve());
          client.subscribe<{ provisioningEvents: { subjectId: string | null } }>(
            { query: SUBSCRIPTION, variables: { t: tenants[s % tenants.length].slug } },
            {
              next: (result) => {
                const acked = ackedAt.get(result.data?.provisioningEvents.subjectId ?? '');
                if (acked !== undefined) latencies.record('delivery', performance.now() - acked);
                else beforeAck += 1;
                delivered += 1;
              },
              error: () => {
                failures += 1;
                resolve();
              },
              complete: () => {},
            },
          );
        }),
      );
    }
    await Promise.all(subscribed);
    await new Promise((resolve) => setTimeout(resolve, 2_000)); // every subscription registered with its feed
  };
  const expectedPerRound = (perRound * options.subscribers) / options.tenants;
  /** Until `count` deliveries have come since `from` was delivered (30 s at most). */
  const untilDelivered = async (from: number, count: number) => {
    const deadline = Date.now() + 30_000;
    while (delivered - from < count && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
  };
  const busyRound = async (label: string) => {
    const start = cpuNow();
    const deliveredBefore = delivered;
    const seconds = await writeUsers(label, perRound);
    await untilDelivered(deliveredBefore, expectedPerRound);
    // Until the last delivery: the fan-out of the last writes counts too.
    add(busy, seconds, cpuSince(start));
  };

  // Each kind of round after warm-up writes, left out. In processes just started, a write first costs Portico
  // more than twice what it does a few thousand writes later (V8 is still compiling its path: 1.55 ms of CPU in
  // the first thousand after 500, 0.67 in the sixth), the load generator too; measured cold, both kinds of round
  // measure mostly the warm-up, and whichever comes first the most.
  const busyWarmUp = Math.ceil(options.warmUpWrites / 2);
  await writeUsers('warm-quiet', options.warmUpWrites);
  await quietRound('quiet-a');
  await subscribeEveryone();
  await writeUsers('warm-busy', busyWarmUp);
  await untilDelivered(0, (busyWarmUp * options.subscribers) / options.tenants);
  delivered = 0;
  beforeAck = 0;
  latencies = new Recorder();
  await busyRound('busy-a');
  await busyRound('busy-b');
  for (const client of clients) await client.dispose();
  clients = [];
  await new Promise((resolve) => setTimeout(resolve, 2_000)); // every subscription gone from its feed
  await quietRound('quiet-b');
  const writes = 2 * perRound;
  const expected = 2 * expectedPerRound;
  const quietCpu = quiet.cpu;
  const busyCpu = busy.cpu;

  // What bounds the loss on a machine whose cores the subscribers share: the same fan-out with nothing of Portico in
  // it, once as raw TCP writes and once as `ws` frames carrying graphql-ws messages.
  const perEvent = options.subscribers / options.tenants;
  const floorOf = (transport: 'tcp' | 'ws') => measureDeliveryFloor({ transport, sockets: options.subscribers, perEvent, events: FLOOR_EVENTS });
  const tcpFloor = await floorOf('tcp');
  const wsFloor = await floorOf('ws');

  const l = latencies.stats('delivery');
  const quietRate = writes / quiet.seconds;
  const busyRate = writes / busy.seconds;
  /** What a delivery added to the CPU of both Portico processes (sender) and of this process (receiver), in µs. */
  const measured: DeliveryCost = {
    senderUs: (1e6 * (busyCpu.portico - quietCpu.portico)) / Math.max(1, delivered),
    receiverUs: (1e6 * (busyCpu.load - quietCpu.load)) / Math.max(1, delivered),
  };
  const machineMs = (cpu: Cpu) => (1000 * (cpu.portico + cpu.postgres + cpu.load)) / writes;
  /** The throughput a CPU-bound machine loses when each write costs `extraMs` more than with nobody subscribed. */
  const lossWith = (extraMs: number) => `${((100 * extraMs) / (machineMs(quietCpu) + extraMs)).toFixed(0)}%`;
  const us = (cost: DeliveryCost) => `${(cost.senderUs + cost.receiverUs).toFixed(1)} µs (sender ${cost.senderUs.toFixed(1)}, receiver ${cost.receiverUs.toFixed(1)})`;
  const perWriteMs = (cost: DeliveryCost) => (perEvent * (cost.senderUs + cost.receiverUs)) / 1000;
  const rounds = (phase: Phase) => phase.rates.map((rate) => rate.toFixed(0)).join(', ');
  return [
    `Events: ${options.subscribers} graphql-ws subscribers over 2 processes (${options.subscribers / 2} each) on ${options.tenants} tenants (${perEvent} per tenant); ` +
      `${writes} SCIM user creations at concurrency ${options.concurrency} with nobody subscribed and as many with everyone, half to each process, ` +
      `in rounds of ${perRound}: quiet, busy, busy, quiet (after ${options.warmUpWrites} warm-up writes with nobody subscribed and ${busyWarmUp} with everyone, left out)`,
    `  writes with nobody subscribed:    ${quietRate.toFixed(0)} req/s (rounds ${rounds(quiet)})`,
    `  writes with everyone subscribed:  ${busyRate.toFixed(0)} req/s (rounds ${rounds(busy)}; ${(100 * (1 - busyRate / quietRate)).toFixed(0)}% less)`,
    `  deliveries: ${delivered} of ${expected} expected, ${failures} subscriptions failed`,
    `  CPU ms per write, both Portico processes: ${((1000 * quietCpu.portico) / writes).toFixed(2)} with nobody subscribed, ` +
      `${((1000 * busyCpu.portico) / writes).toFixed(2)} with everyone (until the last delivery; ` +
      `${(measured.senderUs / 1000).toFixed(3)} more per delivery)`,
    `  CPU ms per write, PostgreSQL: ${((1000 * quietCpu.postgres) / writes).toFixed(2)} with nobody subscribed, ${((1000 * busyCpu.postgres) / writes).toFixed(2)} with everyone`,
    `  CPU ms per write, this load generator (writers and the subscribers' receiving end): ${((1000 * quietCpu.load) / writes).toFixed(2)} with nobody subscribed, ` +
      `${((1000 * busyCpu.load) / writes).toFixed(2)} with everyone (${(measured.receiverUs / 1000).toFixed(3)} more per delivery, ` +
      `on the cores the servers share)`,
    `  CPU per delivery, the same fan-out with nothing of Portico (${options.subscribers} loopback sockets, ${perEvent} per event, a forked sender and receiver): ` +
      `raw TCP writes ${us(tcpFloor)}; ws frames with a graphql-ws message stringified and parsed ${us(wsFloor)}; ` +
      `Portico and the graphql-ws clients above ${us(measured)}` +
      (tcpFloor.delivered + wsFloor.delivered < 2 * FLOOR_EVENTS * perEvent ? ` (floor deliveries short: ${tcpFloor.delivered}, ${wsFloor.delivered})` : ''),
    `  throughput a CPU-bound machine loses to ${perEvent} deliveries per write, against the ${machineMs(quietCpu).toFixed(2)} ms of CPU a write costs with nobody subscribed (Portico, PostgreSQL, load generator): ` +
      `${lossWith(perWriteMs(tcpFloor))} with raw TCP writes alone, ${lossWith(perWriteMs(wsFloor))} with ws alone, ` +
      `${lossWith(machineMs(busyCpu) - machineMs(quietCpu))} measured (all CPU, PostgreSQL's included)`,
    `  delivery latency from the writer's 201 to the subscriber (ms): p50 ${l.p50.toFixed(1)}  p95 ${l.p95.toFixed(1)}  p99 ${l.p99.toFixed(1)}  max ${l.max.toFixed(1)}  (n=${l.n})`,
    `  (${beforeAck} deliveries came before their writer had its 201 and are left out: they would only lower these figures)`,
    `  (${written} writes in all, warm-up rounds included${retried > 0 ? `, ${retried} retried after their connection failed` : ''})`,
  ];
}
