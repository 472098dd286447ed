/**
 * The WC-DNN as a trainable function: its weights in one flat vector, with the loss gradient by
 * backpropagation, so an optimiser updates a single Float64Array. Same network as `AwcMlp`:
 *
 *   z0 = W_in·x + b_in,  h0 = SiLU(z0)
 *   u_l = W_l·h_l + b_l, h_{l+1} = h_l + SiLU(u_l)      (l = 0 … blocks−1)
 *   y = w_out·h_L + b_out
 *
 * and backwards, for dL/dy = g:
 *
 *   dw_out = g·h_L, db_out = g, dh_L = g·w_out
 *   dh_l = dh_{l+1} + W_lᵀ·(dh_{l+1} ⊙ SiLU'(u_l)),  dW_l = (dh_{l+1} ⊙ SiLU'(u_l))·h_lᵀ
 *   dz0 = dh_0 ⊙ SiLU'(z0),  dW_in = dz0·xᵀ
 *
 * with SiLU'(z) = σ(z)·(1 + z·(1 − σ(z))).
 *
 * Layout of the vector: W_in (hidden × inputs, row-major), b_in (hidden), then per block W (hidden ×
 * hidden) and b (hidden), then w_out (hidden) and b_out (1).
 */
import { type AwcWeights, silu } from './awc-mlp.js';

export class AwcGradientNet {
  readonly inputs: number;
  readonly hidden: number;
  readonly blocks: number;
  /** Every weight, in the layout above. */
  readonly params: Float64Array;
  private readonly inW: number;
  private readonly inB: number;
  private readonly blockW: number[];
  private readonly blockB: number[];
  private readonly outW: number;
  private readonly outB: number;
  // Activations of the last forward pass: pre-activations z0 / u_l and hidden states h_l.
  private readonly pre: Float64Array[];
  private readonly h: Float64Array[];
  private readonly dh: Float64Array;
  private readonly dPre: Float64Array;

  constructor(inputs: number, hidden: number, blocks: number) {
    this.inputs = inputs;
    this.hidden = hidden;
    this.blocks = blocks;
    let at = 0;
    const take = (n: number) => {
      const start = at;
      at += n;
      return start;
    };
    this.inW = take(hidden * inputs);
    this.inB = take(hidden);
    this.blockW = [];
    this.blockB = [];
    for (let l = 0; l < blocks; l++) {
      this.blockW.push(take(hidden * hidden));
      this.blockB.push(take(hidden));
    }
    this.outW = take(hidden);
    this.outB = take(1);
    this.params = new Float64Array(at);
    this.pre = Array.from({ length: blocks + 1 }, () => new Float64Array(hidden));
    this.h = Array.from({ length: blocks + 1 }, () => new Float64Array(hidden));
    this.dh = new Float64Array(hidden);
    this.dPre = new Float64Array(hidden);
  }

  /** Glorot-uniform weights drawn from `uniform` (values in [0, 1)), biases 0, output bias `outBias`. */
  initialise(uniform: () => number, outBias = 0): void {
    const { inputs: n, hidden: H, params: p } = this;
    const fill = (from: number, count: number, limit: number) => {
      for (let i = 0; i < count; i++) p[from + i] = (2 * uniform() - 1) * limit;
    };
    p.fill(0);
    fill(this.inW, H * n, Math.sqrt(6 / (n + H)));
    // Residual branches start small, so the untrained network is close to one hidden layer.
    for (const w of this.blockW) fill(w, H * H, 0.5 * Math.sqrt(6 / (2 * H)));
    fill(this.outW, H, Math.sqrt(6 / (H + 1)));
    p[this.outB] = outBias;
  }

  /** y for the sample `x[offset, offset + inputs)`; keeps the activations for `backward`. */
  forward(x: Float64Array, offset: number): number {
    const { inputs: n, hidden: H, params: p } = this;
    const z0 = this.pre[0]!;
    const h0 = this.h[0]!;
    for (let o = 0; o < H; o++) {
      let s = p[this.inB + o]!;
      const row = this.inW + o * n;
      for (let i = 0; i < n; i++) s += p[row + i]! * x[offset + i]!;
      z0[o] = s;
      h0[o] = silu(s);
    }
    for (let l = 0; l < this.blocks; l++) {
      const hin = this.h[l]!;
      const u = this.pre[l + 1]!;
      const hout = this.h[l + 1]!;
      const W = this.blockW[l]!;
      const B = this.blockB[l]!;
      for (let o = 0; o < H; o++) {
        let s = p[B + o]!;
        const row = W + o * H;
        for (let i = 0; i < H; i++) s += p[row + i]! * hin[i]!;
        u[o] = s;
        hout[o] = hin[o]! + silu(s);
      }
    }
    const hL = this.h[this.blocks]!;
    let y = p[this.outB]!;
    for (let o = 0; o < H; o++) y += p[this.outW + o]! * hL[o]!;
    return y;
  }

  /** Adds `g · dy/dθ` at the last forward pass (sample `x[offset …]`) into `grad` (same layout). */
  backward(x: Float64Array, offset: number, g: number, grad: Float64Array): void {
    const { inputs: n, hidden: H, params: p, dh, dPre } = this;
    const hL = this.h[this.blocks]!;
    for (let o = 0; o < H; o++) {
      grad[this.outW + o]! += g * hL[o]!;
      dh[o] = g * p[this.outW + o]!;
    }
    grad[this.outB]! += g;
    for (let l = this.blocks - 1; l >= 0; l--) {
      const hin = this.h[l]!;
      const u = this.pre[l + 1]!;
      const W = this.blockW[l]!;
      const B = this.blockB[l]!;
      for (let o = 0; o < H; o++) dPre[o] = dh[o]! * siluPrime(u[o]!);
      // dh_l = dh_{l+1} (the skip) + W_lᵀ · dPre; dh is updated in place after dW uses h_l.
      for (let o = 0; o < H; o++) {
        const d = dPre[o]!;
        if (d === 0) continue;
        grad[B + o]! += d;
        const row = W + o * H;
        for (let i = 0; i < H; i++) {
          grad[row + i]! += d * hin[i]!;
          dh[i]! += d * p[row + i]!;
        }
      }
    }
    const z0 = this.pre[0]!;
    for (let o = 0; o < H; o++) {
      const d = dh[o]! * siluPrime(z0[o]!);
      grad[this.inB + o]! += d;
      const row = this.inW + o * n;
      for (let i = 0; i < n; i++) grad[row + i]! += d * x[offset + i]!;
    }
  }

  /** The weights as a versioned document that `AwcMlp` reads. */
  toWeights(meta?: Readonly<Record<string, string | number>>): AwcWeights {
    const { inputs: n, hidden: H, params: p } = this;
    const slice = (from: number, count: number) => Array.from(p.subarray(from, from + count));
    return {
      version: 1,
      inputs: n,
      hidden: H,
      inW: slice(this.inW, H * n),
      inB: slice(this.inB, H),
      blocks: this.blockW.map((w, l) => ({ w: slice(w, H * H), b: slice(this.blockB[l]!, H) })),
      outW: slice(this.outW, H),
      outB: p[this.outB]!,
      ...(meta ? { meta } : {}),
    };
  }
}

/** d SiLU(z) / dz = σ(z)·(1 + z·(1 − σ(z))). */
export function siluPrime(z: number): number {
  const s = 1 / (1 + Math.exp(-z));
  return s * (1 + z * (1 - s));
}
