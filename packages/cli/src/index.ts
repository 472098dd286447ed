export type { ClusterDsiConfig, ClusterDsiRow } from './bench/cluster-dsi.js';
export { DSI_FIXTURE, formatClusterDsi, runClusterDsi } from './bench/cluster-dsi.js';
export { runCli } from './cli.js';
export { ExitCode, exitCodeFor } from './exit-codes.js';
