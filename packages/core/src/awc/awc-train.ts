/**
 * Trains the WC-DNN on labelled decisions: weighted Huber loss, Adam, shuffled mini-batches, plain
 * Float64Array maths, deterministic for a seed. The network outputs an adjustment y over γ_default
 * (DSD); the loss compares γ_default + y with the target window, so an untrained network already
 * starts at the default.
 *
 * A seeded shuffle holds out `validationShare` of the samples; each epoch reports Huber loss and window
 * accuracy on both parts. Window accuracy is the share of samples whose prediction, clamped and
 * rounded to the allowed windows exactly as AWC's post-processing does for a first decision, equals
 * the label (smoothing and hysteresis need a sequence, which a shuffled sample is not). The weights
 * returned are those of the epoch with the lowest validation loss.
 *
 * @example
 *   const { weights, history } = trainAwc({ inputs: 11, features, targets }, { epochs: 40, seed: 1 });
 */
import { ConfigError } from '@specmesh/protocol';
import { Rng } from '../rng.js';
import { AwcGradientNet } from './awc-gradient.js';
import type { AwcWeights } from './awc-mlp.js';
import { AWC_ALLOWED_WINDOWS, roundToAllowed } from './awc-postprocess.js';

/** Samples to learn from. */
export interface AwcTrainingSet {
  /** Features per sample. */
  readonly inputs: number;
  /** Shape `[n × inputs]`, row-major. */
  readonly features: Float64Array;
  /** Shape `[n]`: the window to regress on (absolute γ). */
  readonly targets: Float64Array;
  /** Shape `[n]`: per-sample loss weights (≥ 0). Defaults to 1 each. */
  readonly weights?: Float64Array;
  /** Shape `[n]`: the window counted as right for accuracy. Defaults to `targets`. */
  readonly labels?: Float64Array;
}

export interface AwcTrainOptions {
  /** Hidden units. Defaults to 12. */
  readonly hidden?: number;
  /** Residual blocks. Defaults to 1. */
  readonly blocks?: number;
  /** Passes over the training part. Defaults to 60. */
  readonly epochs?: number;
  /** Samples per Adam step. Defaults to 64. */
  readonly batchSize?: number;
  /** Adam step size at the start; it decays along a half cosine to a tenth by the last epoch. Defaults to 0.03. */
  readonly learningRate?: number;
  /** Huber threshold, in windows. Defaults to 1. */
  readonly huberDelta?: number;
  /** Share of samples held out for validation, in [0, 0.9]. Defaults to 0.2. */
  readonly validationShare?: number;
  /** Seed of initialisation, split and shuffling. Defaults to 1. */
  readonly seed?: number;
  /** The window the network's output is added to. Defaults to 4. */
  readonly gammaDefault?: number;
  /** Allowed windows, ascending (accuracy's rounding). Defaults to [1, 2, 3, 4, 6, 8]. */
  readonly allowed?: readonly number[];
  /** Written into the weights' `meta`, with the final figures. */
  readonly meta?: Readonly<Record<string, string | number>>;
  /** Called after every epoch. */
  readonly onEpoch?: (report: AwcEpochReport) => void;
}

export interface AwcEpochReport {
  readonly epoch: number;
  readonly trainLoss: number;
  readonly validationLoss: number;
  readonly trainAccuracy: number;
  readonly validationAccuracy: number;
}

export interface AwcTrainResult {
  readonly weights: AwcWeights;
  readonly history: readonly AwcEpochReport[];
  /** The epoch whose weights were kept (lowest validation loss). */
  readonly best: AwcEpochReport;
  readonly trainSamples: number;
  readonly validationSamples: number;
  /** Which samples were held out (indices into the set), for evaluating the weights elsewhere. */
  readonly validationIndices: Uint32Array;
}

interface Resolved {
  readonly hidden: number;
  readonly blocks: number;
  readonly epochs: number;
  readonly batchSize: number;
  readonly learningRate: number;
  readonly huberDelta: number;
  readonly validationShare: number;
  readonly seed: number;
  readonly gammaDefault: number;
  readonly allowed: readonly number[];
}

function resolve(o: AwcTrainOptions): Resolved {
  const r: Resolved = {
    hidden: o.hidden ?? 12,
    blocks: o.blocks ?? 1,
    epochs: o.epochs ?? 60,
    batchSize: o.batchSize ?? 64,
    learningRate: o.learningRate ?? 0.03,
    huberDelta: o.huberDelta ?? 1,
    validationShare: o.validationShare ?? 0.2,
    seed: o.seed ?? 1,
    gammaDefault: o.gammaDefault ?? 4,
    allowed: o.allowed ?? AWC_ALLOWED_WINDOWS,
  };
  const int = (name: keyof Resolved, v: number, lo: number, hi: number) => {
    if (!Number.isInteger(v) || v < lo || v > hi)
      throw new ConfigError(`AWC training: ${name} must be an integer in [${lo}, ${hi}], got ${v}`, {
        context: { field: name },
      });
  };
  int('hidden', r.hidden, 1, 256);
  int('blocks', r.blocks, 0, 8);
  int('epochs', r.epochs, 1, 100_000);
  int('batchSize', r.batchSize, 1, 1 << 20);
  int('seed', r.seed, 0, 2 ** 32 - 1);
  const positive = (name: keyof Resolved, v: number) => {
    if (!(v > 0 && Number.isFinite(v)))
      throw new ConfigError(`AWC training: ${name} must be > 0, got ${v}`, { context: { field: name } });
  };
  positive('learningRate', r.learningRate);
  positive('huberDelta', r.huberDelta);
  if (!(r.validationShare >= 0 && r.validationShare <= 0.9))
    throw new ConfigError(`AWC training: validationShare must be in [0, 0.9], got ${r.validationShare}`, {
      context: { field: 'validationShare' },
    });
  return r;
}

function checkSet(s: AwcTrainingSet): number {
  const n = s.targets.length;
  if (n === 0) throw new ConfigError('AWC training: no samples');
  if (s.features.length !== n * s.inputs)
    throw new ConfigError(
      `AWC training: ${s.features.length} feature values for ${n} samples of ${s.inputs} inputs`,
    );
  if (s.weights && s.weights.length !== n)
    throw new ConfigError(`AWC training: ${s.weights.length} weights for ${n} samples`);
  if (s.labels && s.labels.length !== n)
    throw new ConfigError(`AWC training: ${s.labels.length} labels for ${n} samples`);
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(s.targets[i]!)) throw new ConfigError(`AWC training: target ${i} is not finite`);
    if (s.weights && !(s.weights[i]! >= 0)) throw new ConfigError(`AWC training: weight ${i} is negative`);
  }
  for (let i = 0; i < s.features.length; i++)
    if (!Number.isFinite(s.features[i]!))
      throw new ConfigError(
        `AWC training: feature value ${i} of sample ${Math.floor(i / s.inputs)} is not finite`,
      );
  return n;
}

/** Huber loss of residual r, and its derivative. */
function huber(r: number, delta: number): [number, number] {
  const a = Math.abs(r);
  return a <= delta ? [0.5 * r * r, r] : [delta * (a - 0.5 * delta), delta * Math.sign(r)];
}

export function trainAwc(set: AwcTrainingSet, options: AwcTrainOptions = {}): AwcTrainResult {
  const o = resolve(options);
  const n = checkSet(set);
  const rng = new Rng(o.seed);
  const order = Uint32Array.from({ length: n }, (_, i) => i);
  shuffle(order, rng);
  const nVal = Math.min(n - 1, Math.round(n * o.validationShare));
  const val = order.slice(0, nVal);
  const train = order.slice(nVal);
  const weightOf = (i: number) => (set.weights ? set.weights[i]! : 1);
  const labelOf = (i: number) => (set.labels ? set.labels[i]! : set.targets[i]!);

  const net = new AwcGradientNet(set.inputs, o.hidden, o.blocks);
  // Start the output at the weighted mean target, so early epochs learn structure, not an offset.
  let sw = 0;
  let st = 0;
  for (const i of train) {
    sw += weightOf(i);
    st += weightOf(i) * set.targets[i]!;
  }
  net.initialise(() => rng.float(), sw > 0 ? st / sw - o.gammaDefault : 0);

  const P = net.params.length;
  const grad = new Float64Array(P);
  const m = new Float64Array(P);
  const v = new Float64Array(P);
  const beta1 = 0.9;
  const beta2 = 0.999;
  let step = 0;
  const stepsPerEpoch = Math.ceil(train.length / o.batchSize);
  const totalSteps = Math.max(1, stepsPerEpoch * o.epochs);

  const evaluate = (idx: Uint32Array): [number, number] => {
    let loss = 0;
    let wsum = 0;
    let right = 0;
    for (const i of idx) {
      const y = o.gammaDefault + net.forward(set.features, i * set.inputs);
      const w = weightOf(i);
      loss += w * huber(y - set.targets[i]!, o.huberDelta)[0];
      wsum += w;
      const clamped = Math.min(o.allowed[o.allowed.length - 1]!, Math.max(o.allowed[0]!, y));
      if (roundToAllowed(clamped, o.allowed) === labelOf(i)) right++;
    }
    return [wsum > 0 ? loss / wsum : 0, idx.length > 0 ? right / idx.length : 0];
  };

  const history: AwcEpochReport[] = [];
  let best: AwcEpochReport | undefined;
  let bestParams = net.params.slice();
  for (let epoch = 1; epoch <= o.epochs; epoch++) {
    shuffle(train, rng);
    for (let start = 0; start < train.length; start += o.batchSize) {
      const end = Math.min(train.length, start + o.batchSize);
      grad.fill(0);
      let wsum = 0;
      for (let b = start; b < end; b++) {
        const i = train[b]!;
        const w = weightOf(i);
        if (w === 0) continue;
        const y = o.gammaDefault + net.forward(set.features, i * set.inputs);
        net.backward(set.features, i * set.inputs, w * huber(y - set.targets[i]!, o.huberDelta)[1], grad);
        wsum += w;
      }
      if (wsum === 0) continue;
      step++;
      // Large steps first to leave the default window quickly, small ones last to settle the boundaries.
      const decay = 0.1 + 0.45 * (1 + Math.cos((Math.PI * Math.min(step, totalSteps)) / totalSteps));
      const lr = (o.learningRate * decay * Math.sqrt(1 - beta2 ** step)) / (1 - beta1 ** step);
      const p = net.params;
      for (let j = 0; j < P; j++) {
        const g = grad[j]! / wsum;
        m[j] = beta1 * m[j]! + (1 - beta1) * g;
        v[j] = beta2 * v[j]! + (1 - beta2) * g * g;
        p[j]! -= (lr * m[j]!) / (Math.sqrt(v[j]!) + 1e-8);
      }
    }
    const [trainLoss, trainAccuracy] = evaluate(train);
    const [validationLoss, validationAccuracy] = nVal > 0 ? evaluate(val) : [trainLoss, trainAccuracy];
    const report = { epoch, trainLoss, validationLoss, trainAccuracy, validationAccuracy };
    history.push(report);
    options.onEpoch?.(report);
    if (!best || validationLoss < best.validationLoss) {
      best = report;
      bestParams = net.params.slice();
    }
  }
  net.params.set(bestParams);
  const b = best!;
  const weights = net.toWeights({
    ...options.meta,
    epochs: o.epochs,
    bestEpoch: b.epoch,
    trainSamples: train.length,
    validationSamples: nVal,
    trainHuber: round6(b.trainLoss),
    validationHuber: round6(b.validationLoss),
    trainAccuracy: round6(b.trainAccuracy),
    validationAccuracy: round6(b.validationAccuracy),
    gammaDefault: o.gammaDefault,
    seed: o.seed,
  });
  return {
    weights,
    history,
    best: b,
    trainSamples: train.length,
    validationSamples: nVal,
    validationIndices: val,
  };
}

function round6(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

/** Fisher-Yates, in place. */
function shuffle(a: Uint32Array, rng: Rng): void {
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rng.float() * (i + 1));
    const t = a[i]!;
    a[i] = a[j]!;
    a[j] = t;
  }
}
