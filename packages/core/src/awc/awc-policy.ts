/**
 * AWC as a window policy: features → WC-DNN → post-processing, one instance per drafter-target pair
 * (a session's policy sees one pair). `createWindowPolicy({ policy: 'awc' })` without weights uses
 * the weights shipped with this package (see awc-weights-file.ts).
 */
import { ConfigError } from '@specmesh/protocol';
import type { WindowFeatures, WindowPolicy } from '../window-features.js';
import { AWC_FEATURES, type AwcScales } from './awc-features.js';
import { AwcMlp, type AwcWeights } from './awc-mlp.js';
import { AwcFeatureSource } from './awc-observation.js';
import { type AwcPostOptions, AwcPostProcessor } from './awc-postprocess.js';

export interface AwcPolicyOptions extends AwcScales, AwcPostOptions {
  readonly weights: AwcWeights;
}

export function createAwcPolicy(o: AwcPolicyOptions): WindowPolicy {
  const mlp = new AwcMlp(o.weights);
  if (mlp.inputs !== AWC_FEATURES)
    throw new ConfigError(`AWC weights take ${mlp.inputs} inputs; the feature vector has ${AWC_FEATURES}`);
  const gammaDefault = o.gammaDefault ?? 4;
  const source = new AwcFeatureSource(o);
  const post = new AwcPostProcessor({ ...o, gammaMax: o.gammaMax ?? 8 });
  const x = new Float64Array(AWC_FEATURES);
  return {
    name: 'awc',
    nextWindow(f: WindowFeatures): number {
      source.observe(f, x);
      return post.next(gammaDefault + mlp.predict(x));
    },
  };
}
