export { AcceptanceTally, PRIOR_ACCEPTANCE, PRIOR_WEIGHT } from './auto/acceptance-tally.js';
export type {
  RoundChoiceOptions,
  RoundEstimate,
  RoundPlan,
  RoundView,
  TargetView,
} from './auto/round-choice.js';
export { AUTO_WINDOWS, chooseRound, estimateRound, expectedTokens } from './auto/round-choice.js';
export type { AwcObservation, AwcScales } from './awc/awc-features.js';
export { AWC_FEATURES, AwcFeatureTracker } from './awc/awc-features.js';
export { AwcGradientNet, siluPrime } from './awc/awc-gradient.js';
export { AWC_LOAD_FEATURES, writeLoadFeatures } from './awc/awc-load-features.js';
export type { AwcWeights } from './awc/awc-mlp.js';
export { AwcMlp, silu, validateAwcWeights } from './awc/awc-mlp.js';
export { AwcFeatureSource, awcObservationOf } from './awc/awc-observation.js';
export type { AwcPolicyOptions } from './awc/awc-policy.js';
export { createAwcPolicy } from './awc/awc-policy.js';
export type { AwcPostOptions } from './awc/awc-postprocess.js';
export {
  AWC_ALLOWED_WINDOWS,
  AwcPostProcessor,
  DSD_ALLOWED_WINDOWS,
  roundToAllowed,
} from './awc/awc-postprocess.js';
export type { AwcEpochReport, AwcTrainingSet, AwcTrainOptions, AwcTrainResult } from './awc/awc-train.js';
export { trainAwc } from './awc/awc-train.js';
export { shippedAwcWeights } from './awc/shipped-weights.js';
export type { BanditOptions } from './bandit-policy.js';
export { BANDIT_ARMS, createBanditPolicy } from './bandit-policy.js';
export type { BatchCostProfile } from './batch-cost.js';
export { batchStepMs, positionsBeforeKnee, TARGET_70B_PROFILE, validateBatchCost } from './batch-cost.js';
export { EventHeap } from './event-heap.js';
export type {
  DraftAlternative,
  DraftToken,
  FinishReason,
  OrchestrationMode,
  OrchestratorCommand,
  OrchestratorEvent,
} from './orchestration-types.js';
export type { OrchestratorOptions, OrchestratorStats, WindowStats } from './orchestrator.js';
export { ALONE_ROUNDS, Orchestrator } from './orchestrator.js';
export type { PredraftOptions, PredraftStats } from './predraft-branches.js';
export { alternativesOf } from './predraft-branches.js';
export { hashTokens, Rng } from './rng.js';
export type { SamplingParams, SparseDist } from './sampling.js';
export { argmax, GREEDY, probOf, processDistribution, sample, validateSampling } from './sampling.js';
export type { VerifyOutcome } from './verification.js';
export { sampleResidual, verifyGreedy, verifyRejection } from './verification.js';
export type {
  AgreementOracleOptions,
  LatencyProfile,
  TokenOracle,
  VirtualRunOptions,
  VirtualRunResult,
} from './virtual-runner.js';
export {
  agreementOracle,
  oracleDrafts,
  predraftRunnerUps,
  RUNNER_UP_HITS,
  runVirtual,
} from './virtual-runner.js';
export type { WindowFeatures, WindowPolicy } from './window-features.js';
export type { WindowPolicySpec } from './window-policy.js';
export { createWindowPolicy, isStatefulPolicy, mayChoosePlainSteps } from './window-policy.js';
