/**
 * The simulator's outputs on small scenarios, pinned: every metric of the report (exact doubles) and a
 * digest of every request's record, as recorded in fixtures/pinned-outputs.json. A speed-up of the
 * engine must keep them. A deliberate change of what the simulator models re-records them:
 * `SPECMESH_PIN_RECORD=1 npx vitest run packages/sim/test/engine-pinned.test.ts`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { type PinnedOutput, pinnedScenarios, runPinned } from './pinned-scenarios.js';

const fixture = fileURLToPath(new URL('./fixtures/pinned-outputs.json', import.meta.url));

describe('simulator outputs on small scenarios', () => {
  const scenarios = pinnedScenarios();
  if (process.env.SPECMESH_PIN_RECORD === '1') {
    it('records them', () => {
      const out: Record<string, PinnedOutput> = {};
      for (const s of scenarios) out[s.name] = runPinned(s);
      writeFileSync(fixture, `${JSON.stringify(out, null, 2)}\n`);
    });
    return;
  }
  const pinned = JSON.parse(readFileSync(fixture, 'utf8')) as Record<string, PinnedOutput>;
  it('pins every scenario it runs', () => {
    expect(Object.keys(pinned).sort()).toEqual(scenarios.map((s) => s.name).sort());
  });
  for (const s of scenarios)
    it(`${s.name}: same report and same requests`, () => {
      expect(runPinned(s)).toEqual(pinned[s.name]);
    });
});
