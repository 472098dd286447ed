export type { ClusterDsiConfig, ClusterDsiRow } from './bench/cluster-dsi.js';
export { DSI_FIXTURE, formatClusterDsi, runClusterDsi } from './bench/cluster-dsi.js';
export type { DsiGridRow } from './bench/dsi-grid.js';
export { formatDsiFixture, formatDsiGrid, runDsiFixture, runDsiGrid } from './bench/dsi-grid.js';
export { runCli } from './cli.js';
export type { DemoPair } from './demo-models.js';
export { ensureDemoPair, modelCacheDir } from './demo-models.js';
export { ExitCode, exitCodeFor } from './exit-codes.js';
