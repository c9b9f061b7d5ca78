import { createHash } from 'node:crypto';
import { entraUser } from '../test/fixtures/entra';

/** Rounds of the task measured after two left out (V8 compiling it); the median is reported. */
const ROUNDS = 7;
const WARM_UP_ROUNDS = 2;
/** Documents per round: about 100 ms of CPU on the machines this bench has run on. */
const DOCUMENTS_PER_ROUND = 12_000;

/**
 * How fast this host runs a fixed piece of JavaScript now: the median CPU milliseconds of rounds of work alike to a
 * SCIM request's (an Entra user document stringified, parsed, hashed and matched). The same shared host has run the
 * SCIM cycle at 1,757 and at 1,130 req/s within an hour; printed before and after the scenarios, it says which figures
 * of two runs may be compared, and how far apart their hosts were. Lower is faster. CPU time, not wall time: what the host
 * gives a core, without the scheduling of the moment.
 */
export function measureHostSpeed(): number {
  const document = entraUser({ userName: 'host.speed@bench.example', department: 'Dept 7', employeeNumber: '100007' });
  const pattern = /"userName":"([^"]+)"/;
  let sink = 0;
  const round = (): number => {
    const start = process.cpuUsage();
    for (let i = 0; i < DOCUMENTS_PER_ROUND; i += 1) {
      const text = JSON.stringify({ ...document, externalId: `ext-${i}` });
      const parsed = JSON.parse(text) as { externalId: string };
      sink += createHash('sha256').update(text).digest()[0] + parsed.externalId.length + (pattern.exec(text)?.[1].length ?? 0);
    }
    const { user, system } = process.cpuUsage(start);
    return (user + system) / 1000;
  };
  for (let r = 0; r < WARM_UP_ROUNDS; r += 1) round();
  const times = Array.from({ length: ROUNDS }, round).sort((a, b) => a - b);
  // Keeps the work observable, so that none of it is optimized away.
  if (sink === -1) console.log(sink);
  return times[Math.floor(ROUNDS / 2)];
}

/** The line the bench prints for a measurement. */
export const hostSpeedLine = (when: string, ms: number) =>
  `Host speed ${when}: ${ms.toFixed(1)} ms of CPU for a fixed JavaScript task (${DOCUMENTS_PER_ROUND} Entra user documents stringified, parsed, hashed; median of ${ROUNDS}; lower is faster)`;
