/**
 * `specmesh bench <name>`: the benchmarks, one subcommand each, each with `--quick` and `--json`.
 * Benchmarks, not tests: they print figures; read them with their spread in mind. A progress bar on
 * stderr (terminals only) follows the longer ones. The harnesses are @specmesh/lab's; the scripts in
 * bench/ run the same ones.
 */
import type { Argv, CommandModule } from 'yargs';
import { benchCliStartupCommand } from './bench-cli-startup.js';
import { benchControlPlaneCommand } from './bench-control-plane.js';
import { benchDsiCommand } from './bench-dsi.js';
import { benchGatewayOverheadCommand } from './bench-gateway-overhead.js';
import { benchLlamaCommand } from './bench-llama.js';
import { benchLoadCommand } from './bench-load.js';
import { benchRestartCommand } from './bench-restart.js';
import { benchRoundsCommand } from './bench-rounds.js';
import { benchRuntimeCommand } from './bench-runtime.js';
import { benchSigningCommand } from './bench-signing.js';
import { benchSimSpeedCommand } from './bench-sim-speed.js';
import { benchWireBytesCommand } from './bench-wire-bytes.js';
import { benchWorkerWakeupCommand } from './bench-worker-wakeup.js';
import { simDsiCommand } from './sim-dsi.js';
import { simValidateCommand } from './sim-validate.js';

/** Applies settings (the config file's `log-level`, say) to a subcommand. */
export type ConfigureCommand = <T, U>(command: CommandModule<T, U>) => CommandModule<T, U>;

/** The benchmarks under their bench names; `dsi-sim` and `sim-validate` are `sim dsi` and `sim validate`. */
export function benchCommand(configure: ConfigureCommand = (c) => c): CommandModule {
  const subcommands: CommandModule<object, never>[] = [
    configure(benchDsiCommand),
    configure(benchLlamaCommand),
    configure(benchLoadCommand),
    configure(benchRoundsCommand),
    benchRuntimeCommand,
    benchControlPlaneCommand,
    benchGatewayOverheadCommand,
    benchWireBytesCommand,
    benchSigningCommand,
    benchWorkerWakeupCommand,
    benchSimSpeedCommand,
    benchCliStartupCommand,
    benchRestartCommand,
    { ...simDsiCommand, command: 'dsi-sim', describe: `${simDsiCommand.describe} (= specmesh sim dsi)` },
    {
      ...simValidateCommand,
      command: 'sim-validate',
      describe: `${simValidateCommand.describe} (= specmesh sim validate)`,
    },
  ] as CommandModule<object, never>[];
  return {
    command: 'bench <name>',
    describe:
      'Run a benchmark: dsi, llama, load, rounds, runtime, control-plane, gateway-overhead, wire-bytes, signing, worker-wakeup, sim-speed, cli-startup, restart, dsi-sim, sim-validate',
    builder: (y: Argv) => {
      for (const c of subcommands) y.command(c);
      return y.demandCommand(1, 'Name a benchmark; see specmesh bench --help') as Argv;
    },
    handler: () => undefined,
  };
}
