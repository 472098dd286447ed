/**
 * Entry for sibling packages, tests and benchmarks (`@specmesh/protocol/internal`); not a stable API.
 */
export { sampleBodies, sampleVerifyResult, sampleVerifyTask } from './samples.js';
export { fromJson, toJson } from './spec/json-wire.js';
export { GENERATED_BLOCKS, renderGeneratedBlocks, renderProtocolDoc } from './spec/protocol-doc.js';
export type { SchemaSnapshot, SnapshotNode } from './spec/schema-snapshot.js';
export { additions, compatibilityProblems, snapshotHas, snapshotSchemas } from './spec/schema-snapshot.js';
export type { PrefixHashVector, TestVector, VectorOutcome } from './spec/test-vectors.js';
export { buildPrefixHashVectors, buildTestVectors, VECTOR_FROM, VECTOR_TIME } from './spec/test-vectors.js';
