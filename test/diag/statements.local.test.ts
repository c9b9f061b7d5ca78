import pg from 'pg';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { addMembers, deactivate, entraGroup, entraUser, flagOffUserPatch } from '../fixtures/entra';
import { startTestPortico, type TestPortico } from '../helpers/portico';
import { scimTenant, type ScimClient } from '../helpers/scim';

describe('diag: statements per SCIM request', () => {
  let portico: TestPortico;
  let scim: ScimClient;
  const seen: string[] = [];
  const original = pg.Client.prototype.query;
  beforeAll(async () => {
    portico = await startTestPortico();
    scim = await scimTenant(portico, 'diag');
    (pg.Client.prototype as unknown as { query: unknown }).query = function (this: pg.Client, ...args: unknown[]) {
      const q = args[0] as string | { text?: string; name?: string };
      seen.push(typeof q === 'string' ? q : `${q.name ?? ''} ${q.text ?? ''}`);
      return (original as (...a: unknown[]) => unknown).apply(this, args);
    } as never;
  });
  afterAll(async () => {
    (pg.Client.prototype as unknown as { query: unknown }).query = original;
    await portico?.stop();
  });
  const measure = async (label: string, n: number, run: (i: number) => Promise<unknown>) => {
    for (let i = 0; i < 3; i += 1) await run(1000 + i);
    seen.length = 0;
    for (let i = 0; i < n; i += 1) await run(i);
    const byText = new Map<string, number>();
    for (const s of seen) byText.set(s.replace(/\s+/g, ' ').slice(0, 140), (byText.get(s.replace(/\s+/g, ' ').slice(0, 140)) ?? 0) + 1);
    console.log(`${label}: ${(seen.length / n).toFixed(2)} statements/request\n  ${[...byText].map(([t, c]) => `${(c / n).toFixed(2)} × ${t}`).join('\n  ')}`);
  };
  it('counts', async () => {
    const ids: string[] = [];
    await measure('POST /Users', 20, async (i) => ids.push((await scim.post('/Users', entraUser({ userName: `u${i}@d.example` }))).body.id));
    await measure('GET filter', 20, (i) => scim.get('/Users', { filter: `userName eq "u${i}@d.example"` }));
    await measure('GET by id', 20, (i) => scim.get(`/Users/${ids[i % ids.length]}`));
    await measure('PATCH user', 20, (i) => scim.patch(`/Users/${ids[i % ids.length]}`, flagOffUserPatch([{ path: 'title', value: `T${i}` }])));
    const group = (await scim.post('/Groups', entraGroup('G1'))).body.id;
    await measure('PATCH group add', 10, (i) => scim.patch(`/Groups/${group}`, addMembers([ids[i % ids.length]])));
    await measure('GET page', 5, () => scim.get('/Users', { startIndex: '1', count: '100' }));
    await measure('deactivate', 5, (i) => scim.patch(`/Users/${ids[i]}`, deactivate()));
    await measure('DELETE', 5, (i) => scim.delete(`/Users/${ids[10 + i]}`));
  });
});
