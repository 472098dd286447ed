/**
 * AWC as a window policy: features → WC-DNN → post-processing, one instance per drafter-target pair
 * (a session's policy sees one pair). Needs trained weights; there is no untrained default.
 */
import { ConfigError } from '@specmesh/protocol';
import type { WindowFeatures, WindowPolicy } from '../window-policy.js';
import { AWC_FEATURES, AwcFeatureTracker, type AwcScales } from './awc-features.js';
import { AwcMlp, type AwcWeights } from './awc-mlp.js';
import { type AwcPostOptions, AwcPostProcessor } from './awc-postprocess.js';

export interface AwcPolicyOptions extends AwcScales, AwcPostOptions {
  readonly weights: AwcWeights;
}

export function createAwcPolicy(o: AwcPolicyOptions): WindowPolicy {
  const mlp = new AwcMlp(o.weights);
  if (mlp.inputs !== AWC_FEATURES)
    throw new ConfigError(`AWC weights take ${mlp.inputs} inputs; the feature vector has ${AWC_FEATURES}`);
  const batch = o.batchSize ?? 12;
  const gammaDefault = o.gammaDefault ?? 4;
  const tracker = new AwcFeatureTracker(o);
  const post = new AwcPostProcessor({ ...o, gammaMax: o.gammaMax ?? 8 });
  const x = new Float64Array(AWC_FEATURES);
  return {
    name: 'awc',
    nextWindow(f: WindowFeatures): number {
      tracker.observe(
        {
          queueLength: (f.queueUtil ?? 0) * batch,
          pendingVerifyTokens: f.pendingVerifyTokens ?? 0,
          rttMs: f.rttMs ?? 0,
          tpotMs: f.tpotMs ?? 0,
          drafterCapability: f.drafterCapability ?? 1,
          acceptance: f.acceptance,
          lastGamma: f.lastWindow,
          promptTokens: f.contextTokens ?? 0,
        },
        x,
      );
      return post.next(gammaDefault + mlp.predict(x));
    },
  };
}
