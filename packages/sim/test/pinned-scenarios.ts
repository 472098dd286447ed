/**
 * Small scenarios whose full outputs are pinned (engine-pinned.test.ts): they cover every routing
 * policy, non-SI/SI/DSI/auto sessions, fused and edge drafters, batching windows and batching
 * (roofline) targets, both cache models, window policies, cloud clients and broker hops. The engine
 * may be rewritten for speed; what it computes must not change.
 */
import { fileURLToPath } from 'node:url';
import {
  loadScenario,
  type RequestRecord,
  runScenario,
  type Scenario,
  type SimReport,
} from '../src/index.js';

const shipped = (name: string) =>
  loadScenario(fileURLToPath(new URL(`../scenarios/${name}.yaml`, import.meta.url)));

const withRequests = (s: Scenario, requests: number, name: string): Scenario => ({
  ...s,
  name,
  workload: { ...s.workload, requests },
});

export function pinnedScenarios(): Scenario[] {
  const dsd = shipped('dsd-gsm8k');
  const mix = shipped('edge-cloud-mix');
  return [
    withRequests(dsd, 150, 'dsd-gsm8k-150'),
    shipped('dsi-single-node'),
    withRequests(mix, 200, 'edge-cloud-mix-200'),
    withRequests(shipped('load-70b-auto'), 64, 'load-70b-auto-64'),
    shipped('validate-4x4'),
    {
      ...withRequests(dsd, 120, 'dsd-dsi-batcher-prefix'),
      targets: { ...dsd.targets, count: 4, cache: 'prefix' },
      routing: { targets: 'batcher' },
      speculation: { ...dsd.speculation, mode: 'dsi', window: { policy: 'static', k: 3 } },
    },
    {
      ...withRequests(mix, 150, 'mix-dsi-cloud-hops'),
      messaging: { client: 'cloud', hopMs: 0.4 },
      speculation: { ...mix.speculation, mode: 'dsi', window: { policy: 'static', k: 2 } },
    },
    {
      ...withRequests(dsd, 100, 'dsd-awc-fused-rounds'),
      speculation: {
        ...dsd.speculation,
        window: { policy: 'awc', k: 4, fusedRounds: true },
      },
      targets: { ...dsd.targets, fusedDraftMs: 1.5 },
    },
    {
      ...withRequests(dsd, 100, 'dsd-nonsi-poisson'),
      speculation: { ...dsd.speculation, mode: 'nonsi' },
      workload: { ...dsd.workload, requests: 100, arrival: { process: 'poisson', ratePerSec: 30 } },
    },
  ];
}

/** What a run of a pinned scenario computes: its report, and a digest of every request's record. */
export interface PinnedOutput {
  readonly report: SimReport;
  readonly requests: string;
}

/** FNV-1a over the bytes of every number of every finished request, in finishing order. */
function digest(records: readonly RequestRecord[]): string {
  const f = new Float64Array(1);
  const bytes = new Uint8Array(f.buffer);
  let h = 0x811c9dc5;
  for (const r of records) {
    const values = [
      r.id,
      r.drafter,
      r.promptTokens,
      r.tokens,
      r.arrivedAt,
      r.firstTokenAt,
      r.lastTokenAt,
      r.drafted,
      r.acceptedDrafts,
      r.verifiedDrafts,
      r.tasks,
      r.cancelledTasks,
      r.uncancelledDrafts,
      r.committedDrafts,
      r.declinedTasks ?? -1,
      r.rounds?.nonsi ?? -1,
      r.rounds?.si ?? -1,
      r.rounds?.dsi ?? -1,
    ];
    for (const v of values) {
      f[0] = v;
      for (const b of bytes) h = Math.imul(h ^ b, 0x01000193) >>> 0;
    }
  }
  return `${records.length}:${h.toString(16).padStart(8, '0')}`;
}

export function runPinned(s: Scenario): PinnedOutput {
  const records: RequestRecord[] = [];
  const report = runScenario(s, { onRequest: (r) => records.push(r) });
  return { report, requests: digest(records) };
}
