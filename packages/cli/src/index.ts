export { runCli } from './cli.js';
export { ExitCode, exitCodeFor } from './exit-codes.js';
