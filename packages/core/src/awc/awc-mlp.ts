/**
 * WC-DNN: the tiny residual MLP of DSD's AWC. It maps the feature vector to an adjustment of the
 * window over γ_default:
 *
 *   h0 = SiLU(W_in · x + b_in)                 (hidden H, 8 to 16 units)
 *   h_{l+1} = h_l + SiLU(W_l · h_l + b_l)      (residual blocks)
 *   y = w_out · h_L + b_out                    (γ = γ_default + y before post-processing)
 *
 * Weights are a versioned JSON document ({@link AwcWeights}); inference writes into buffers allocated
 * once, so a decision allocates nothing and costs well under a microsecond at these sizes.
 *
 * @example
 *   const net = new AwcMlp(weights); net.predict(features) // → e.g. 1.7 (add to γ_default)
 */
import { ConfigError } from '@specmesh/protocol';

/** The weights file format. Matrices are row-major: `w[out][in]` flattened to `out * in`. */
export interface AwcWeights {
  /** Format version; this build reads 1. */
  readonly version: 1;
  readonly inputs: number;
  readonly hidden: number;
  /** Input layer: `hidden × inputs` and `hidden`. */
  readonly inW: readonly number[];
  readonly inB: readonly number[];
  /** Residual blocks, each `hidden × hidden` and `hidden`. */
  readonly blocks: ReadonlyArray<{ readonly w: readonly number[]; readonly b: readonly number[] }>;
  /** Output: `hidden` and a bias. */
  readonly outW: readonly number[];
  readonly outB: number;
  /** What the network was trained for, for humans (scenario, label objective, samples, loss). */
  readonly meta?: Readonly<Record<string, string | number>>;
}

/** SiLU(x) = x · sigmoid(x). */
export function silu(x: number): number {
  return x / (1 + Math.exp(-x));
}

function expectLength(name: string, got: readonly number[] | undefined, want: number): void {
  if (
    !Array.isArray(got) ||
    got.length !== want ||
    got.some((v) => typeof v !== 'number' || !Number.isFinite(v))
  )
    throw new ConfigError(`AWC weights: ${name} must be ${want} finite numbers`, {
      context: { field: name },
    });
}

/** Checks a parsed weights document; throws ConfigError naming the first bad field. */
export function validateAwcWeights(w: unknown): AwcWeights {
  const x = w as AwcWeights;
  if (!x || typeof x !== 'object') throw new ConfigError('AWC weights must be a JSON object');
  if (x.version !== 1)
    throw new ConfigError(`AWC weights version ${String(x.version)} is not supported (this build reads 1)`, {
      context: { field: 'version' },
    });
  for (const f of ['inputs', 'hidden'] as const)
    if (!Number.isInteger(x[f]) || x[f] < 1 || x[f] > 256)
      throw new ConfigError(`AWC weights: ${f} must be an integer in [1, 256]`, { context: { field: f } });
  expectLength('inW', x.inW, x.hidden * x.inputs);
  expectLength('inB', x.inB, x.hidden);
  if (!Array.isArray(x.blocks)) throw new ConfigError('AWC weights: blocks must be an array');
  x.blocks.forEach((b, i) => {
    expectLength(`blocks[${i}].w`, b?.w, x.hidden * x.hidden);
    expectLength(`blocks[${i}].b`, b?.b, x.hidden);
  });
  expectLength('outW', x.outW, x.hidden);
  if (typeof x.outB !== 'number' || !Number.isFinite(x.outB))
    throw new ConfigError('AWC weights: outB must be a finite number', { context: { field: 'outB' } });
  return x;
}

export class AwcMlp {
  readonly inputs: number;
  readonly hidden: number;
  private readonly inW: Float64Array;
  private readonly inB: Float64Array;
  private readonly blockW: Float64Array[];
  private readonly blockB: Float64Array[];
  private readonly outW: Float64Array;
  private readonly outB: number;
  private readonly h: Float64Array;
  private readonly t: Float64Array;

  constructor(weights: AwcWeights) {
    const w = validateAwcWeights(weights);
    this.inputs = w.inputs;
    this.hidden = w.hidden;
    this.inW = Float64Array.from(w.inW);
    this.inB = Float64Array.from(w.inB);
    this.blockW = w.blocks.map((b) => Float64Array.from(b.w));
    this.blockB = w.blocks.map((b) => Float64Array.from(b.b));
    this.outW = Float64Array.from(w.outW);
    this.outB = w.outB;
    this.h = new Float64Array(w.hidden);
    this.t = new Float64Array(w.hidden);
  }

  /** The window adjustment for `x` (shape `[inputs]`). */
  predict(x: ArrayLike<number>): number {
    const { inputs: n, hidden: H, h, t } = this;
    for (let o = 0; o < H; o++) {
      let s = this.inB[o]!;
      for (let i = 0; i < n; i++) s += this.inW[o * n + i]! * x[i]!;
      h[o] = silu(s);
    }
    for (let l = 0; l < this.blockW.length; l++) {
      const W = this.blockW[l]!;
      const B = this.blockB[l]!;
      for (let o = 0; o < H; o++) {
        let s = B[o]!;
        for (let i = 0; i < H; i++) s += W[o * H + i]! * h[i]!;
        t[o] = silu(s);
      }
      for (let o = 0; o < H; o++) h[o]! += t[o]!;
    }
    let y = this.outB;
    for (let o = 0; o < H; o++) y += this.outW[o]! * h[o]!;
    return y;
  }
}
