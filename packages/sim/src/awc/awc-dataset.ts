/**
 * The labelled-decision file of `specmesh awc label`, as JSON lines: a header line (format, version,
 * how the samples were made), then one line per sample:
 *
 *   {"c":0,"x":[…11 features],"lat":[…],"thr":[…],"slo":[…],"best":{"latency":4,"throughput":6}}
 *
 * `c` indexes `header.conditions`; `lat`, `thr` and `slo` hold, per action of `header.actions`, the
 * forced session's time per token over the horizon (ms), the target-local throughput (tokens/s) and
 * whether the SLOs held (1/0); `best` is the oracle's window under each objective. Features carry 6
 * significant digits (float32 precision) and costs 4 decimals, which keeps 50k samples near 10 MB.
 */
import { AWC_FEATURES } from '@specmesh/core';
import { ConfigError } from '@specmesh/protocol';
import type { AwcCondition } from './awc-conditions.js';
import type { ActionCosts, AwcObjective, SloOptions } from './oracle-costs.js';

export const AWC_DATASET_FORMAT = 'specmesh-awc-dataset';

export interface AwcConditionSummary extends AwcCondition {
  /** Base runs (seeds) labelled, decision points forced, samples kept. */
  readonly runs: number;
  readonly points: number;
  readonly samples: number;
  /**
   * Points dropped because some replay reached them in a different state (another point's forced
   * action had already disturbed it) or not at all.
   */
  readonly disturbed: number;
}

export interface AwcDatasetHeader {
  readonly format: typeof AWC_DATASET_FORMAT;
  readonly version: 1;
  readonly scenario: string;
  /** Share of the scenario's drafters, targets and requests labelled (`resizeScenario`). */
  readonly size: number;
  readonly actions: readonly number[];
  readonly features: number;
  /** The objective `label` printed first; both labels are in every sample. */
  readonly objective: AwcObjective;
  readonly behaviour: string;
  readonly horizonTokens: number;
  readonly sliceMs: number;
  readonly slo: SloOptions;
  readonly seed: number;
  /**
   * Who paid for fused rounds' drafting (`targets.fusedDraftCost`); absent in files from before the
   * option, which were labelled with `free`.
   */
  readonly fusedDraftCost?: 'free' | 'target';
  readonly conditions: readonly AwcConditionSummary[];
  readonly samples: number;
}

export interface AwcSample {
  readonly condition: number;
  /** Shape `[AWC_FEATURES]`. */
  readonly features: readonly number[];
  readonly costs: ActionCosts;
  readonly best: { readonly latency: number; readonly throughput: number };
}

export interface AwcDataset {
  readonly header: AwcDatasetHeader;
  readonly samples: readonly AwcSample[];
}

const sig6 = (x: number) => Number(x.toPrecision(6));
const dec4 = (x: number) => Math.round(x * 1e4) / 1e4;

export function formatAwcDataset(d: AwcDataset): string {
  const lines = [JSON.stringify(d.header)];
  for (const s of d.samples)
    lines.push(
      JSON.stringify({
        c: s.condition,
        x: s.features.map(sig6),
        lat: Array.from(s.costs.latencyMsPerToken, dec4),
        thr: Array.from(s.costs.targetTokPerSec, dec4),
        slo: Array.from(s.costs.sloMet),
        w: dec4(s.costs.windowMs),
        best: s.best,
      }),
    );
  return `${lines.join('\n')}\n`;
}

function bad(source: string, line: number, what: string): never {
  throw new ConfigError(`AWC dataset ${source}, line ${line}: ${what}`, { context: { line } });
}

export function parseAwcDataset(text: string, source = 'dataset'): AwcDataset {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  if (lines.length === 0) bad(source, 1, 'empty file');
  let header: AwcDatasetHeader;
  try {
    header = JSON.parse(lines[0]!) as AwcDatasetHeader;
  } catch (err) {
    bad(source, 1, `not JSON: ${(err as Error).message}`);
  }
  if (header.format !== AWC_DATASET_FORMAT) bad(source, 1, `format is not ${AWC_DATASET_FORMAT}`);
  if (header.version !== 1)
    bad(source, 1, `version ${String(header.version)} is not supported (this build reads 1)`);
  if (header.features !== AWC_FEATURES)
    bad(source, 1, `${header.features} features; this build has ${AWC_FEATURES}`);
  const n = header.actions.length;
  const samples: AwcSample[] = [];
  for (let i = 1; i < lines.length; i++) {
    let r: {
      c: number;
      x: number[];
      lat: number[];
      thr: number[];
      slo: number[];
      w: number;
      best: AwcSample['best'];
    };
    try {
      r = JSON.parse(lines[i]!);
    } catch (err) {
      bad(source, i + 1, `not JSON: ${(err as Error).message}`);
    }
    const ok =
      Array.isArray(r.x) &&
      r.x.length === AWC_FEATURES &&
      r.x.every(Number.isFinite) &&
      [r.lat, r.thr, r.slo].every((a) => Array.isArray(a) && a.length === n && a.every(Number.isFinite)) &&
      Number.isInteger(r.c) &&
      r.c >= 0 &&
      r.c < header.conditions.length &&
      header.actions.includes(r.best?.latency) &&
      header.actions.includes(r.best?.throughput);
    if (!ok) bad(source, i + 1, 'not a sample (c, x, lat, thr, slo, best)');
    samples.push({
      condition: r.c,
      features: r.x,
      costs: {
        latencyMsPerToken: Float64Array.from(r.lat),
        targetTokPerSec: Float64Array.from(r.thr),
        sloMet: Uint8Array.from(r.slo),
        windowMs: r.w,
      },
      best: r.best,
    });
  }
  return { header, samples };
}

/**
 * Several datasets as one (e.g. a first labelling under the explore policy and a second under the AWC
 * it trained): conditions are concatenated, samples keep theirs. All must compare the same actions
 * under the same fused drafting cost.
 */
export function mergeAwcDatasets(parts: readonly AwcDataset[]): AwcDataset {
  const first = parts[0];
  if (!first) throw new ConfigError('no AWC datasets to merge');
  const conditions: AwcConditionSummary[] = [];
  const samples: AwcSample[] = [];
  for (const d of parts) {
    if (d.header.actions.join() !== first.header.actions.join())
      throw new ConfigError(
        `AWC datasets compare different actions: [${first.header.actions.join(', ')}] and [${d.header.actions.join(', ')}]`,
      );
    const cost = d.header.fusedDraftCost ?? 'free';
    if (cost !== (first.header.fusedDraftCost ?? 'free'))
      throw new ConfigError(
        `AWC datasets were labelled with different fused drafting costs: ${first.header.fusedDraftCost ?? 'free'} and ${cost}`,
      );
    const offset = conditions.length;
    conditions.push(...d.header.conditions);
    for (const s of d.samples) samples.push({ ...s, condition: s.condition + offset });
  }
  const behaviours = [...new Set(parts.map((d) => d.header.behaviour))];
  return {
    header: { ...first.header, behaviour: behaviours.join('+'), conditions, samples: samples.length },
    samples,
  };
}
