/**
 * `specmesh plan` and `specmesh sim dsd` run large simulations: with thousands of sessions in flight,
 * each round's objects outlive V8's default young generation (16 MiB semi-spaces), get promoted, and
 * the collector then takes up to a quarter of the run (docs/benchmarks/sim-speed.md). The semi-space
 * size is a V8 flag fixed when the process starts, so these commands start node again with
 * `--max-semi-space-size`, unless it was given (on node's command line or in NODE_OPTIONS).
 */

/** Semi-space of a simulating command's process, MiB. */
export const SIMULATION_SEMI_SPACE_MIB = 64;

/** True when `argv` (after `specmesh`) is a simulating command and no semi-space size was chosen. */
export function wantsLargerYoungGeneration(
  argv: readonly string[],
  execArgv: readonly string[],
  nodeOptions: string | undefined,
): boolean {
  const simulating = argv[0] === 'plan' || (argv[0] === 'sim' && argv[1] === 'dsd');
  if (!simulating || argv.includes('--help') || argv.includes('-h')) return false;
  return ![...execArgv, nodeOptions ?? ''].some((f) => f.includes('--max-semi-space-size'));
}

/**
 * Runs this command again in a node with the larger young generation when it wants one, and returns
 * that process's exit status; undefined when this process should run the command itself.
 */
export async function relaunchForSimulation(argv: readonly string[]): Promise<number | undefined> {
  if (!wantsLargerYoungGeneration(argv, process.execArgv, process.env.NODE_OPTIONS)) return undefined;
  const { spawn } = await import('node:child_process');
  const { constants } = await import('node:os');
  const child = spawn(
    process.execPath,
    [`--max-semi-space-size=${SIMULATION_SEMI_SPACE_MIB}`, ...process.execArgv, process.argv[1]!, ...argv],
    { stdio: 'inherit' },
  );
  // A terminal's Ctrl-C reaches both; a signal sent to this process alone is passed on.
  const forward = (signal: NodeJS.Signals) => child.kill(signal);
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  return new Promise((resolve) => {
    child.on('exit', (code, signal) =>
      resolve(code ?? (signal ? 128 + (constants.signals[signal] ?? 0) : 1)),
    );
  });
}
