import { parseArgs } from 'node:util';
import { machine, startServer } from './harness';
import { runAccessScenario } from './access-scenario';
import { runEventsScenario } from './events-scenario';
import { runFuzzScenario } from './fuzz-scenario';
import { runSamlScenario } from './saml-scenario';
import { runScimScenario } from './scim-scenario';
import { runPhotosScenario } from './photos-scenario';
import { runUsersListScenario } from './users-list-scenario';

/**
 * `npm run bench [-- scim|access|saml|events|fuzz|photos|users-list] [--runs N --seed S (fuzz)] [--users N] [--concurrency C] [--groups G] [--members M] [--sign-ins S] [--subscribers N --tenants T --writes W] [--processes P (saml)] [--list-users 100000 --samples 200 --scim-users 2000 (users-list)] [--photo-users 1000,10000 --graph-latency 50 --photo-kb 100 --sync-concurrency 16 (photos)]`: starts Portico as `npm start` does,
 * on a throwaway embedded PostgreSQL, and prints the figures of each scenario with the machine they ran on.
 */
async function main(): Promise<void> {
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
      processes: { type: 'string', default: '1' },
      runs: { type: 'string', default: '1000' },
      seed: { type: 'string', default: String(Date.now() % 2 ** 31) },
      'photo-users': { type: 'string', default: '1000,10000' },
      'graph-latency': { type: 'string', default: '50' },
      'photo-kb': { type: 'string', default: '100' },
      'sync-concurrency': { type: 'string', default: '16' },
      'list-users': { type: 'string', default: '100000' },
      samples: { type: 'string', default: '200' },
      'scim-users': { type: 'string', default: '2000' },
    },
  });
  const scenarios = positionals.length > 0 ? positionals : ['scim', 'access', 'saml', 'events'];
  console.log(`Machine: ${machine()}`);
  console.log('Server, database and load generator all run on this machine.\n');
  const server = await startServer();
  try {
    for (const scenario of scenarios) {
      if (scenario === 'scim') {
        const lines = await runScimScenario(server, {
          users: Number(values.users),
          concurrency: Number(values.concurrency),
          groups: Number(values.groups),
        });
        console.log(lines.join('\n'));
      } else if (scenario === 'access') {
        const lines = await runAccessScenario(server, {
          groups: Number(values.groups),
          members: Number(values.members),
          concurrency: Number(values.concurrency),
        });
        console.log(lines.join('\n'));
      } else if (scenario === 'saml') {
        // More processes on the same database and PUBLIC_URL, as behind a load balancer.
        const others = [];
        for (let p = 1; p < Number(values.processes); p += 1) {
          others.push(await startServer({ PUBLIC_URL: server.url.replace('127.0.0.1', 'localhost') }, { joinDataDir: server.dataDir }));
        }
        try {
          const lines = await runSamlScenario([server, ...others], {
            signIns: Number(values['sign-ins']),
            users: 200,
            concurrency: Number(values.concurrency),
          });
          console.log(lines.join('\n'));
        } finally {
          for (const other of others) await other.stop();
        }
      } else if (scenario === 'events') {
        // A second process on the same embedded cluster and database.
        const second = await startServer({}, { joinDataDir: server.dataDir });
        try {
          const lines = await runEventsScenario([server, second], {
            subscribers: Number(values.subscribers),
            tenants: Number(values.tenants),
            writes: Number(values.writes),
            concurrency: Number(values.concurrency),
          });
          console.log(lines.join('\n'));
        } finally {
          await second.stop();
        }
      } else if (scenario === 'photos') {
        // Its own server: pointed at the scenario's fake Microsoft endpoints.
        const lines = await runPhotosScenario((env) => startServer(env), {
          userCounts: values['photo-users'].split(',').map(Number),
          latencyMs: Number(values['graph-latency']),
          photoBytes: Number(values['photo-kb']) * 1024,
          concurrency: Number(values['sync-concurrency']),
        });
        console.log(lines.join('\n'));
      } else if (scenario === 'users-list') {
        const lines = await runUsersListScenario(server, {
          users: Number(values['list-users']),
          samples: Number(values.samples),
          scimUsers: Number(values['scim-users']),
        });
        console.log(lines.join('\n'));
      } else if (scenario === 'fuzz') {
        const lines = await runFuzzScenario(server, { runs: Number(values.runs), seed: Number(values.seed) });
        console.log(lines.join('\n'));
      } else {
        throw new Error(`Unknown scenario "${scenario}" (known: scim, access, saml, events, fuzz, photos, users-list)`);
      }
      console.log();
    }
  } finally {
    await server.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
