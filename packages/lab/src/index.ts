/**
 * @specmesh/lab: experiments on specmesh, between the libraries and the CLI. Benchmark harnesses
 * (bench/), the chaos soak (chaos/), the simulator's validation against a real cluster (validate/),
 * and what they share with the CLI: local clusters, model flags and the synthetic demo models.
 * The CLI parses arguments and prints; it loads this package only for the commands that run it.
 */

export {
  type CliStartupOptions,
  type CliStartupReport,
  formatCliStartup,
  runCliStartup,
  STARTUP_ROLES,
  type StartupFigures,
} from './bench/cli-startup.js';
export type {
  ClusterDsiConfig,
  ClusterDsiRow,
  ClusterDsiRunOptions,
  VerifyRouteName,
} from './bench/cluster-dsi.js';
export { DSI_FIXTURE, formatClusterDsi, runClusterDsi } from './bench/cluster-dsi.js';
export {
  type ControlPlaneFigure,
  type ControlPlaneOptions,
  type ControlPlaneReport,
  formatControlPlane,
  runControlPlane,
} from './bench/control-plane.js';
export type { DsiGridRow } from './bench/dsi-grid.js';
export {
  formatDsiFixture,
  formatDsiGrid,
  paperGridPoints,
  runDsiFixture,
  runDsiGrid,
} from './bench/dsi-grid.js';
export {
  formatGatewayOverhead,
  type GatewayOverheadOptions,
  type GatewayOverheadReport,
  runGatewayOverhead,
} from './bench/gateway-overhead.js';
export type { AgreementRow, LlamaBenchConfig, VerifyCostRow } from './bench/llama-spec.js';
export {
  formatLlamaBench,
  formatVerifyCost,
  llamaBenchRuns,
  measureVerifyCost,
  runLlamaBench,
} from './bench/llama-spec.js';
export { checkOutputs, roundOrder } from './bench/load-cell.js';
export { drafterProcesses } from './bench/load-cluster.js';
export type { LoadCostOptions, LoadCosts } from './bench/load-costs.js';
export { measureLoadCosts } from './bench/load-costs.js';
export {
  formatLoadCell,
  formatLoadCosts,
  formatLoadGrid,
  formatLoadSummary,
  formatMachineStart,
} from './bench/load-format.js';
export type { LoadBenchHooks, LoadBenchReport, MachineInfo } from './bench/load-grid.js';
export { loadBenchRequests, runLoadBench } from './bench/load-grid.js';
export type { LoadBenchConfig, LoadBenchOptions, LoadModels } from './bench/load-options.js';
export { LOAD_MODELS, LOAD_MODES, resolveLoadBenchOptions } from './bench/load-options.js';
export {
  formatRestartBench,
  type RestartBenchOptions,
  type RestartFigures,
  type RestartReport,
  runRestartBench,
} from './bench/restart.js';
export type {
  CodecCost,
  RoundBreakdownOptions,
  RoundBreakdownReport,
  RoundBreakdownRow,
  RoundComponents,
} from './bench/round-breakdown.js';
export {
  formatRoundBreakdown,
  measureCodec,
  ROUND_COMPONENTS,
  roundComponentsOf,
  runRoundBreakdown,
} from './bench/round-breakdown.js';
export {
  formatRuntimeVsRaw,
  type RoundTripFigures,
  type RuntimeVsRawOptions,
  type RuntimeVsRawReport,
  runRuntimeVsRaw,
} from './bench/runtime-vs-raw.js';
export {
  formatSigningCost,
  runSigningCost,
  SIGNING_ROUND_TOKENS,
  type SigningCostRow,
} from './bench/signing-cost.js';
export {
  formatSimSpeed,
  formatSimSpeedRun,
  runSimSpeed,
  SIM_SPEED_SCALE_SCENARIO,
  SIM_SPEED_SCENARIO,
  SIM_SPEED_SEMI_SPACE_MIB,
  type SimSpeedOptions,
  type SimSpeedReport,
  type SimSpeedRun,
  type SimSpeedSide,
  simSpeedScenario,
} from './bench/sim-speed.js';
export {
  formatWireBytes,
  runWireBytes,
  WIRE_CONFIGS,
  type WireBytesOptions,
  type WireBytesReport,
  type WireBytesRow,
} from './bench/wire-bytes.js';
export {
  formatWorkerWakeup,
  runWorkerWakeup,
  WAKEUP_IDLE_MS,
  type WakeupRow,
} from './bench/worker-wakeup.js';
export type { ChaosClusterSpec } from './chaos/chaos-cluster.js';
export type { ChaosOptions, ChaosSummary, FaultKind, VictimRole } from './chaos/chaos-run.js';
export { runChaos } from './chaos/chaos-run.js';
export { chaosViolations, formatChaos, recoveryByKind } from './chaos/format-chaos.js';
export type { FaultRecord } from './chaos/recovery-tracker.js';
export type { DemoPair } from './demo-models.js';
export { ensureDemoPair, modelCacheDir } from './demo-models.js';
export type { ClusterServers } from './embedded-nats.js';
export { serversOrEmbedded } from './embedded-nats.js';
export type { LocalCluster } from './local-cluster.js';
export { requirePositiveIntegers, startLocalCluster } from './local-cluster.js';
export { median } from './median.js';
export type { ModelArgs } from './model-args.js';
export { batchingOf, createModel, modelFlags, modelSpecOf } from './model-args.js';
export { percentile } from './percentile.js';
export { DEFAULT_VALIDATE_SCENARIO } from './validate/default-scenario.js';
export type { ValidateProfile } from './validate/measured-costs.js';
export { formatValidation } from './validate/validate-format.js';
export { METRICS, type ValidateMetrics, type ValidateRecord } from './validate/validate-metrics.js';
export { planOf, type ValidatePlan } from './validate/validate-plan.js';
export { runValidation, type ValidateOptions, type ValidationReport } from './validate/validate-run.js';
export {
  formatValidatedError,
  readValidationRecord,
  recordOf,
  type ValidationRecord,
  writeValidationRecord,
} from './validate/validation-record.js';
