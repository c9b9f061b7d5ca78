import { parseArgs } from 'node:util';
import { lineUnderLine, machine, startPoolerTargets, startServer, type BenchServer } from './harness';
import { hostSpeedLine, measureHostSpeed } from './host-speed';
import { runAccessScenario } from './access-scenario';
import { runEventsScenario } from './events-scenario';
import { runFuzzScenario } from './fuzz-scenario';
import { runHttpScenario } from './http-scenario';
import { runSamlScenario } from './saml-scenario';
import { runScimScenario } from './scim-scenario';
import { runPhotosScenario } from './photos-scenario';
import { runStatementsScenario } from './statements-scenario';
import { runUsersListScenario } from './users-list-scenario';

/**
 * `npm run bench [-- scim|access|saml|events|fuzz|photos|statements|users-list|http] [--pooler [--pooler-size 20]] [--executions 3000 (statements)] [--requests 3000 (http)] [--runs N --seed S (fuzz)] [--users N] [--concurrency C] [--groups G] [--members M] [--warm-up 3000 (scim: PATCHes before PATCH against POST)] [--sign-ins S] [--subscribers N --tenants T --writes W --warm-up 4000 (events)] [--processes P --warm-up 2000 (saml)] [--list-users 100000 --samples 200 --scim-users 2000 (users-list)] [--photo-users 1000,10000 --graph-latency 50 --photo-kb 100 --sync-concurrency 16 (photos)]`: starts Portico as `npm start` does,
 * on a throwaway embedded PostgreSQL, and prints the figures of each scenario with the machine they ran on.
 * `--pooler` runs each scenario twice on one embedded PostgreSQL: on a database reached directly, then on one
 * reached through PgBouncer in transaction pooling mode (Debian's `pgbouncer`), and prints the figures of the
 * second run under those of the first.
 */
async function main(): Promise<void> {
  await runScenarios();
  // The host may have changed speed during the run: figures measured while it did are not comparable to others.
  console.log(hostSpeedLine('after the scenarios', measureHostSpeed()));
}

async function runScenarios(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      users: { type: 'string', default: '10000' },
      concurrency: { type: 'string', default: '16' },
      groups: { type: 'string', default: '50' },
      members: { type: 'string', default: '50000' },
      'sign-ins': { type: 'string', default: '2000' },
      subscribers: { type: 'string', default: '1000' },
      tenants: { type: 'string', default: '50' },
      writes: { type: 'string', default: '2000' },
      // Defaults per scenario: 4000 writes (events), 2000 sign-ins (saml).
      'warm-up': { type: 'string' },
      processes: { type: 'string', default: '1' },
      runs: { type: 'string', default: '1000' },
      seed: { type: 'string', default: String(Date.now() % 2 ** 31) },
      'photo-users': { type: 'string', default: '1000,10000' },
      'graph-latency': { type: 'string', default: '50' },
      'photo-kb': { type: 'string', default: '100' },
      'sync-concurrency': { type: 'string', default: '16' },
      executions: { type: 'string', default: '3000' },
      requests: { type: 'string', default: '3000' },
      pooler: { type: 'boolean', default: false },
      'pooler-size': { type: 'string', default: '20' },
      'list-users': { type: 'string', default: '100000' },
      samples: { type: 'string', default: '200' },
      'scim-users': { type: 'string', default: '2000' },
    },
  });
  const scenarios = positionals.length > 0 ? positionals : ['scim', 'access', 'saml', 'events'];
  console.log(`Machine: ${machine()}`);
  console.log(hostSpeedLine('before the scenarios', measureHostSpeed()));
  console.log('Server, database and load generator all run on this machine.\n');
  if (!values.pooler) {
    const server = await startServer();
    try {
      for (const scenario of scenarios) {
        console.log((await runScenario(scenario, server, startServer, values)).join('\n'));
        console.log();
      }
    } finally {
      await server.stop();
    }
    return;
  }
  const { targets, stop } = await startPoolerTargets(Number(values['pooler-size']));
  try {
    for (const scenario of scenarios) {
      const figures: string[][] = [];
      for (const target of targets) {
        const start: StartServer = (env = {}, options = {}) => startServer({ ...target.env, ...env }, { ...options, postgresDataDir: target.postgresDataDir });
        const server = await start();
        try {
          console.log(`${scenario}, ${target.label}:`);
          figures.push(await runScenario(scenario, server, start, values));
          console.log(`${figures.at(-1)!.join('\n')}\n`);
        } finally {
          await server.stop();
        }
      }
      console.log(`${scenario}, direct and through PgBouncer:`);
      console.log(`${lineUnderLine(['direct', 'pooled'], figures[0], figures[1]).join('\n')}\n`);
    }
  } finally {
    await stop();
  }
}

type StartServer = typeof startServer;

async function runScenario(scenario: string, server: BenchServer & { dataDir: string }, startServer: StartServer, values: Record<string, string | boolean | undefined>): Promise<string[]> {
  const option = (name: string) => String(values[name]);
  if (scenario === 'scim') {
    return await runScimScenario(server, {
      users: Number(option('users')),
      concurrency: Number(option('concurrency')),
      groups: Number(option('groups')),
      warmUpPatches: Number(values['warm-up'] ?? 3000),
    });
  } else if (scenario === 'access') {
    return await runAccessScenario(server, {
      groups: Number(option('groups')),
      members: Number(option('members')),
      concurrency: Number(option('concurrency')),
    });
  } else if (scenario === 'saml') {
    // More processes on the same database and PUBLIC_URL, as behind a load balancer.
    const others = [];
    for (let p = 1; p < Number(option('processes')); p += 1) {
      others.push(await startServer({ PUBLIC_URL: server.url.replace('127.0.0.1', 'localhost') }, { joinDataDir: server.dataDir }));
    }
    try {
      return await runSamlScenario([server, ...others], {
        signIns: Number(option('sign-ins')),
        users: 200,
        concurrency: Number(option('concurrency')),
        warmUpSignIns: Number(values['warm-up'] ?? 2000),
      });
    } finally {
      for (const other of others) await other.stop();
    }
  } else if (scenario === 'events') {
    // A second process on the same embedded cluster and database.
    const second = await startServer({}, { joinDataDir: server.dataDir });
    try {
      return await runEventsScenario([server, second], {
        subscribers: Number(option('subscribers')),
        tenants: Number(option('tenants')),
        writes: Number(option('writes')),
        warmUpWrites: Number(values['warm-up'] ?? 4000),
        concurrency: Number(option('concurrency')),
      });
    } finally {
      await second.stop();
    }
  } else if (scenario === 'users-list') {
    return await runUsersListScenario(server, {
      users: Number(option('list-users')),
      samples: Number(option('samples')),
      scimUsers: Number(option('scim-users')),
    });
  } else if (scenario === 'photos') {
    // Its own server: pointed at the scenario's fake Microsoft endpoints.
    return await runPhotosScenario((env) => startServer(env), {
      userCounts: option('photo-users').split(',').map(Number),
      latencyMs: Number(option('graph-latency')),
      photoBytes: Number(option('photo-kb')) * 1024,
      concurrency: Number(option('sync-concurrency')),
    });
  } else if (scenario === 'statements') {
    if (values.pooler) throw new Error('statements compares named and unnamed statements on a direct connection: run it without --pooler');
    return await runStatementsScenario(server, { executions: Number(option('executions')), rounds: 4 });
  } else if (scenario === 'http') {
    return await runHttpScenario((env) => startServer(env), { requests: Number(option('requests')), concurrency: Number(option('concurrency')) });
  } else if (scenario === 'fuzz') {
    return await runFuzzScenario(server, { runs: Number(option('runs')), seed: Number(option('seed')) });
  } else {
    throw new Error(`Unknown scenario "${scenario}" (known: scim, access, saml, events, fuzz, photos, statements, users-list, http)`);
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
