/**
 * Entry for sibling packages, tests and benchmarks (`@specmesh/protocol/internal`); not a stable API.
 */
export { sampleBodies, sampleVerifyResult, sampleVerifyTask } from './samples.js';
