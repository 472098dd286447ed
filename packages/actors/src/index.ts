export type { BatcherStats } from './batcher/batcher.js';
export { Batcher } from './batcher/batcher.js';
export type { BatcherConfig, BatcherOptions } from './batcher/batcher-options.js';
export { resolveBatcherOptions } from './batcher/batcher-options.js';
export type { VerifierCandidate } from './batcher/pick-verifier.js';
export { pickVerifier } from './batcher/pick-verifier.js';
export type {
  GenerateOptions,
  Generation,
  GenerationRequest,
  RequestMove,
  SubmitAttempt,
} from './client/generate-client.js';
export { collect, generate } from './client/generate-client.js';
export type { LiveScheduler } from './client/scheduler-choice.js';
export { TokenReorderer } from './client/token-reorderer.js';
export type {
  UnverifiedTokens,
  VerifiedOutputMode,
  VerifiedOutputOptions,
} from './client/verified-output.js';
export { OutputVerifier } from './client/verified-output.js';
export { VerifierKeys } from './client/verifier-keys.js';
export type { DrafterOptions } from './drafter/drafter.js';
export { Drafter } from './drafter/drafter.js';
export type { DrafterSlots } from './scheduler/pick-drafter.js';
export { pickDrafter } from './scheduler/pick-drafter.js';
export type { SchedulerStats } from './scheduler/scheduler.js';
export { Scheduler } from './scheduler/scheduler.js';
export type { SchedulerConfig, SchedulerOptions } from './scheduler/scheduler-options.js';
export { resolveSchedulerOptions } from './scheduler/scheduler-options.js';
export type { PredraftTotals } from './session/predraft-metrics.js';
export { combinePredraftTotals } from './session/predraft-metrics.js';
export { ResultSigner } from './verifier/result-signer.js';
export { SessionText } from './verifier/session-text.js';
export type { VerifierOptions, VerifierStats } from './verifier/verifier.js';
export { Verifier } from './verifier/verifier.js';
