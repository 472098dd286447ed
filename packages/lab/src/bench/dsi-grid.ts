/**
 * non-SI, SI and DSI in virtual time on the reference grid of the DSI paper's offline simulation
 * (time unit: one target forward; drafter forward `c`; i.i.d. acceptance `a`; lookahead `k`; as many
 * targets as DSI needs, `ceil(1 / (k c))`, at most 7) and at the online fixture of its public tests.
 * Every time comes from running `@specmesh/core`'s orchestration state machine.
 */
import { agreementOracle, type LatencyProfile, type OrchestrationMode, runVirtual } from '@specmesh/core';

export interface DsiGridRow {
  readonly c: number;
  readonly a: number;
  readonly k: number;
  readonly targets: number;
  readonly nonsi: number;
  readonly si: number;
  readonly dsi: number;
}

interface Point {
  readonly a: number;
  readonly k: number;
  readonly targets: number;
  readonly tokens: number;
  readonly drafter: LatencyProfile;
  readonly target: LatencyProfile;
}

function meanTime(mode: OrchestrationMode, p: Point, repeats: number): number {
  let t = 0;
  for (let seed = 0; seed < repeats; seed++) {
    t += runVirtual({
      mode,
      k: p.k,
      targets: p.targets,
      maxTokens: p.tokens,
      prompt: [1, 100 + seed],
      oracle: agreementOracle({ acceptance: p.a, seed: 1000 + seed }),
      drafter: p.drafter,
      target: p.target,
    }).time;
  }
  return t / repeats;
}

/** The grid's points: each (c, a, k) with the targets DSI needs, at most 7. */
export function paperGridPoints(): Array<{ c: number; a: number; k: number; targets: number }> {
  const points: Array<{ c: number; a: number; k: number; targets: number }> = [];
  for (const c of [0.01, 0.05, 0.1, 0.2, 0.5, 1.0]) {
    for (const a of [0.5, 0.7, 0.9, 0.99]) {
      for (const k of [1, 5, 10]) {
        const targets = Math.ceil(1 / (k * c));
        if (targets > 7) continue; // the paper drops configurations needing more than 7 servers
        points.push({ c, a, k, targets });
      }
    }
  }
  return points;
}

/**
 * Every point of the grid in non-SI, SI and DSI, `repeats` seeds each; `onPoint(done, total)`
 * follows the points.
 */
export function runDsiGrid(
  tokens: number,
  repeats: number,
  onPoint: (done: number, total: number) => void = () => undefined,
): DsiGridRow[] {
  const points = paperGridPoints();
  return points.map(({ c, a, k, targets }, i) => {
    const p = { a, k, targets, tokens, drafter: { ttft: c, tpot: c }, target: { ttft: 1, tpot: 1 } };
    const row = {
      c,
      a,
      k,
      targets,
      nonsi: meanTime('nonsi', p, repeats),
      si: meanTime('si', p, repeats),
      dsi: meanTime('dsi', p, repeats),
    };
    onPoint(i + 1, points.length);
    return row;
  });
}

/** The online fixture of the DSI public tests, in ms. */
export function runDsiFixture(repeats: number): { nonsi: number; si: number; dsi: number } {
  const p = {
    a: 0.94,
    k: 5,
    targets: 4,
    tokens: 50,
    drafter: { ttft: 57.25, tpot: 3.34 },
    target: { ttft: 180.28, tpot: 100.18 },
  };
  return {
    nonsi: meanTime('nonsi', p, repeats),
    si: meanTime('si', p, repeats),
    dsi: meanTime('dsi', p, repeats),
  };
}

export function formatDsiGrid(rows: readonly DsiGridRow[], tokens: number, repeats: number): string {
  const f = (x: number, w = 8, d = 1) => x.toFixed(d).padStart(w);
  const lines = [
    `offline grid: ${tokens} tokens, ${repeats} seeds, time unit = one target forward`,
    '    c     a   k  tgt    non-SI        SI       DSI   SI/non  DSI/SI DSI/non DSI/min',
  ];
  for (const r of rows) {
    lines.push(
      `${f(r.c, 5, 2)} ${f(r.a, 5, 2)} ${String(r.k).padStart(3)} ${String(r.targets).padStart(4)} ${f(r.nonsi, 9)} ${f(r.si, 9)} ${f(r.dsi, 9)} ${f(r.nonsi / r.si, 8, 3)} ${f(r.si / r.dsi, 7, 3)} ${f(r.nonsi / r.dsi, 7, 3)} ${f(Math.min(r.si, r.nonsi) / r.dsi, 7, 3)}`,
    );
  }
  const vsSi = rows.map((r) => r.si / r.dsi);
  const vsMin = rows.map((r) => Math.min(r.si, r.nonsi) / r.dsi);
  lines.push(
    `DSI/SI over the grid: min ${Math.min(...vsSi).toFixed(3)}, max ${Math.max(...vsSi).toFixed(3)}; DSI/min(SI, non-SI): min ${Math.min(...vsMin).toFixed(3)}, max ${Math.max(...vsMin).toFixed(3)}`,
  );
  return lines.join('\n');
}

export function formatDsiFixture(f: { nonsi: number; si: number; dsi: number }): string {
  return [
    'online fixture (drafter 57.25/3.34 ms, target 180.28/100.18 ms, a 0.94, k 5, 4 targets, 50 tokens):',
    `  non-SI ${f.nonsi.toFixed(1)} ms  SI ${f.si.toFixed(1)} ms  DSI ${f.dsi.toFixed(1)} ms`,
    `  DSI/SI ${(f.si / f.dsi).toFixed(3)}  DSI/non-SI ${(f.nonsi / f.dsi).toFixed(3)}  SI/non-SI ${(f.nonsi / f.si).toFixed(3)}`,
  ].join('\n');
}
