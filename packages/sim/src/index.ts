export type { AcceptanceModel, AcceptanceSpec } from './acceptance-model.js';
export { createAcceptanceModel, expectedAccepted, sampleAccepted } from './acceptance-model.js';
export type { AutoFacts } from './auto/sim-round-view.js';
export { simRoundView } from './auto/sim-round-view.js';
export type { AwcBenchCell, AwcBenchOptions, BenchPolicy } from './awc/awc-bench.js';
export { AWC_BENCH_POLICIES, runAwcBench } from './awc/awc-bench.js';
export { awcBenchSpec, renderAwcBenchSvg } from './awc/awc-bench-plot.js';
export type { AwcBenchSummary, AwcConditionSummaryRow } from './awc/awc-bench-summary.js';
export { AWC_GOAL_SWEEP_GAIN, AWC_GOAL_WORST_CASE, summarizeAwcBench } from './awc/awc-bench-summary.js';
export type { AwcCondition } from './awc/awc-conditions.js';
export {
  AWC_HELD_OUT_LOAD_SCALES,
  AWC_HELD_OUT_RTT_SCALES,
  AWC_TRAINING_LOAD_SCALES,
  AWC_TRAINING_RTT_SCALES,
  adaptiveScenario,
  conditionGrid,
  conditionScenario,
  resizeScenario,
  withBatchingTargets,
} from './awc/awc-conditions.js';
export type { AwcConditionSummary, AwcDataset, AwcDatasetHeader, AwcSample } from './awc/awc-dataset.js';
export {
  AWC_DATASET_FORMAT,
  formatAwcDataset,
  mergeAwcDatasets,
  parseAwcDataset,
} from './awc/awc-dataset.js';
export type { AwcBehaviour, AwcLabelOptions } from './awc/awc-labeller.js';
export { labelAwc } from './awc/awc-labeller.js';
export type { AwcTrainingSetOptions } from './awc/awc-training-set.js';
export { actionValue, awcTrainingSet, policyValue } from './awc/awc-training-set.js';
export type { ActionCosts, AwcObjective, SloOptions } from './awc/oracle-costs.js';
export { actionCosts, bestActionIndex, choiceStakes } from './awc/oracle-costs.js';
export type { BaseDecision, PointMeasure, ReplayOptions } from './awc/oracle-replay.js';
export { recordDecisions, replayForced } from './awc/oracle-replay.js';
export type { SessionFacts, WindowDecision } from './awc/window-observation.js';
export { drafterCapability, simWindowFeatures } from './awc/window-observation.js';
export { DrafterServer } from './drafter-server.js';
export type { DsiRatio, HeatmapCell } from './dsi-heatmaps.js';
export { DSI_RATIOS, dsiGridCsv, heatmapCells, ratioOf, ratiosOf, SSD_RATIO } from './dsi-heatmaps.js';
export type { DsiGridOptions, DsiPoint, DsiPointResult, PredraftTotals, SsdSettings } from './dsi-offline.js';
export {
  addPredraft,
  DSI_GRID_A,
  DSI_GRID_C,
  DSI_GRID_K,
  dsiGridPoints,
  dsiScenario,
  dsiTime,
  runDsiOffline,
} from './dsi-offline.js';
export { EventQueue } from './event-queue.js';
export type { DrafterLatency, TargetLatency } from './latency-model.js';
export { prefillBatchMs, verifyBatchMs } from './latency-model.js';
export type { LoadCell, LoadCellCosts, LoadCellMode, LoadCellResult } from './load-cell.js';
export { loadCellScenario, simulateLoadCell } from './load-cell.js';
export { loadScenario, parseScenario, validateScenario } from './load-scenario.js';
export { NetworkLink } from './network-link.js';
export type { PlanPoint } from './planner/evaluate-size.js';
export { evaluateSize, WARMUP_SHARE } from './planner/evaluate-size.js';
export type { DrafterProfile, TargetProfile } from './planner/model-profiles.js';
export {
  DRAFTER_PRESETS,
  resolveDrafterModel,
  resolveTargetModel,
  TARGET_PRESETS,
} from './planner/model-profiles.js';
export type { CandidateBounds, PlanCandidate } from './planner/plan-candidates.js';
export { candidateBounds, candidateLabel, planCandidates } from './planner/plan-candidates.js';
export type {
  CandidateOutcome,
  CheckRow,
  PlanCheck,
  PlanResult,
  Recommendation,
} from './planner/plan-capacity.js';
export { planCapacity } from './planner/plan-capacity.js';
export type { LengthDist, PlanConfig, PlanExecution, PlanMode, PlanOptions } from './planner/plan-options.js';
export { resolvePlanOptions } from './planner/plan-options.js';
export type { PlanSize } from './planner/plan-scenario.js';
export { planScenario } from './planner/plan-scenario.js';
export { heatmapSpec, renderHeatmapSvg, svgToPng } from './render-heatmap.js';
export type { RequestTimes, RequestTotals } from './request-totals.js';
export { requestTotals } from './request-totals.js';
export type { RunScenarioOptions } from './run-scenario.js';
export { runScenario } from './run-scenario.js';
export type { Dist, DrafterGroup, Scenario } from './scenario-schema.js';
export { DistSchema, ScenarioSchema } from './scenario-schema.js';
export type { CommitSeen, RequestRecord, RoundMeasures } from './session-driver.js';
export { SimRandom } from './sim-random.js';
export type { LatencySummary, SimReport } from './sim-report.js';
export { summarize } from './sim-report.js';
export type { SimCallback } from './simulation.js';
export { Simulation } from './simulation.js';
export type { TargetJob } from './target-job.js';
export { newTargetJob } from './target-job.js';
export type { RoutingPolicy } from './target-router.js';
export { TargetRouter } from './target-router.js';
export type { TargetServerOptions, TargetStats } from './target-server.js';
export { TargetServer } from './target-server.js';
