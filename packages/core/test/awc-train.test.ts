import { ConfigError } from '@specmesh/protocol';
import { describe, expect, it } from 'vitest';
import {
  AWC_FEATURES,
  AwcGradientNet,
  AwcMlp,
  type AwcTrainingSet,
  createAwcPolicy,
  Rng,
  roundToAllowed,
  trainAwc,
} from '../src/index.js';

/**
 * Decisions whose right window is a known function of the features: fused when the round trip is
 * long (rtt_avg_norm > 1), else 4 while the target's queue is short (queue_util < 0.5), else 8.
 */
function synthetic(n: number, seed: number): AwcTrainingSet {
  const rng = new Rng(seed);
  const features = new Float64Array(n * AWC_FEATURES);
  const targets = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const x = features.subarray(i * AWC_FEATURES, (i + 1) * AWC_FEATURES);
    for (let j = 0; j < AWC_FEATURES; j++) x[j] = rng.float();
    x[3] = 2 * rng.float(); // RTT spans both sides of the rule's threshold
    targets[i] = x[3]! > 1 ? 1 : x[0]! < 0.5 ? 4 : 8;
  }
  return { inputs: AWC_FEATURES, features, targets };
}

describe('AWC training', () => {
  it('backpropagation matches finite differences', () => {
    const net = new AwcGradientNet(5, 4, 2);
    const rng = new Rng(3);
    net.initialise(() => rng.float(), 0.3);
    // Make the residual blocks matter as much as the input layer.
    for (let j = 0; j < net.params.length; j++) net.params[j]! += 0.3 * (rng.float() - 0.5);
    const x = Float64Array.from([0.3, -1.2, 0.8, 0.05, 2]);
    const grad = new Float64Array(net.params.length);
    net.forward(x, 0);
    net.backward(x, 0, 1, grad);
    const h = 1e-6;
    for (let j = 0; j < net.params.length; j++) {
      const keep = net.params[j]!;
      net.params[j] = keep + h;
      const up = net.forward(x, 0);
      net.params[j] = keep - h;
      const down = net.forward(x, 0);
      net.params[j] = keep;
      expect(grad[j]!).toBeCloseTo((up - down) / (2 * h), 6);
    }
  });

  it('writes weights the inference network reads back to the same outputs', () => {
    const net = new AwcGradientNet(AWC_FEATURES, 6, 1);
    const rng = new Rng(9);
    net.initialise(() => rng.float(), -1);
    const x = Float64Array.from({ length: AWC_FEATURES }, (_, i) => i / 10);
    expect(new AwcMlp(net.toWeights()).predict(x)).toBeCloseTo(net.forward(x, 0), 12);
  });

  it('recovers a known rule: held-out windows right after post-processing', () => {
    const train = synthetic(4000, 1);
    const reports: number[] = [];
    const r = trainAwc(train, { epochs: 80, seed: 2, onEpoch: (e) => reports.push(e.validationAccuracy) });
    expect(reports).toHaveLength(80);
    expect(r.best.validationAccuracy).toBeGreaterThan(0.9);
    expect(r.history[r.history.length - 1]!.trainLoss).toBeLessThan(r.history[0]!.trainLoss);
    // On fresh samples, through the real policy (its first decision is clamp + round, no smoothing).
    const test = synthetic(500, 77);
    let right = 0;
    for (let i = 0; i < 500; i++) {
      const policy = createAwcPolicy({ weights: r.weights });
      const x = test.features.subarray(i * AWC_FEATURES, (i + 1) * AWC_FEATURES);
      const direct = roundToAllowed(
        Math.min(8, Math.max(1, 4 + new AwcMlp(r.weights).predict(x))),
        [1, 2, 3, 4, 6, 8],
      );
      if (direct === test.targets[i]) right++;
      // The policy's own features come from WindowFeatures; only check it answers an allowed window.
      expect([1, 2, 3, 4, 6, 8]).toContain(
        policy.nextWindow({ acceptance: x[8]!, lastAcceptance: 1, lastWindow: 4 }),
      );
    }
    expect(right / 500).toBeGreaterThan(0.9);
    expect(r.weights.meta?.validationAccuracy).toBeCloseTo(r.best.validationAccuracy, 5);
  });

  it('is deterministic for a seed', () => {
    const set = synthetic(300, 5);
    const a = trainAwc(set, { epochs: 3, seed: 4 });
    const b = trainAwc(set, { epochs: 3, seed: 4 });
    expect(b.weights).toEqual(a.weights);
    expect(b.history).toEqual(a.history);
    const c = trainAwc(set, { epochs: 3, seed: 5 });
    expect(c.weights.inW).not.toEqual(a.weights.inW);
  });

  it('weights samples: a zero-weight sample does not move the fit', () => {
    const set = synthetic(400, 6);
    const weights = new Float64Array(400).fill(1);
    const poisoned = Float64Array.from(set.targets);
    for (let i = 0; i < 400; i += 2) {
      weights[i] = 0;
      poisoned[i] = 8;
    }
    const clean = trainAwc({ ...set, weights }, { epochs: 3, seed: 1, validationShare: 0 });
    const dirty = trainAwc(
      { ...set, targets: poisoned, weights },
      { epochs: 3, seed: 1, validationShare: 0 },
    );
    expect(dirty.weights.inW).toEqual(clean.weights.inW);
  });

  it('refuses bad options and inconsistent sets with ConfigError', () => {
    const set = synthetic(20, 1);
    expect(() => trainAwc(set, { epochs: 0 })).toThrow(ConfigError);
    expect(() => trainAwc(set, { learningRate: -1 })).toThrow(/learningRate/);
    expect(() => trainAwc(set, { validationShare: 0.95 })).toThrow(/validationShare/);
    expect(() => trainAwc({ ...set, targets: new Float64Array(0), features: new Float64Array(0) })).toThrow(
      /no samples/,
    );
    expect(() => trainAwc({ ...set, features: set.features.subarray(1) })).toThrow(/feature values/);
  });
});
