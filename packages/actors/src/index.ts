export type { BatcherStats } from './batcher/batcher.js';
export { Batcher } from './batcher/batcher.js';
export type { BatcherConfig, BatcherOptions } from './batcher/batcher-options.js';
export { resolveBatcherOptions } from './batcher/batcher-options.js';
export type { VerifierCandidate } from './batcher/pick-verifier.js';
export { pickVerifier } from './batcher/pick-verifier.js';
