export type { AcceptanceModel, AcceptanceSpec } from './acceptance-model.js';
export { createAcceptanceModel, expectedAccepted, sampleAccepted } from './acceptance-model.js';
export { DrafterServer } from './drafter-server.js';
export type { DsiRatio, HeatmapCell } from './dsi-heatmaps.js';
export { DSI_RATIOS, dsiGridCsv, heatmapCells, ratioOf } from './dsi-heatmaps.js';
export type { DsiGridOptions, DsiPoint, DsiPointResult } from './dsi-offline.js';
export {
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
export { loadScenario, parseScenario, validateScenario } from './load-scenario.js';
export { NetworkLink } from './network-link.js';
export { heatmapSpec, renderHeatmapSvg, svgToPng } from './render-heatmap.js';
export type { RequestTimes, RequestTotals } from './request-totals.js';
export { requestTotals } from './request-totals.js';
export type { RunScenarioOptions } from './run-scenario.js';
export { runScenario } from './run-scenario.js';
export type { Dist, DrafterGroup, Scenario } from './scenario-schema.js';
export { DistSchema, ScenarioSchema } from './scenario-schema.js';
export type { RequestRecord } from './session-driver.js';
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
