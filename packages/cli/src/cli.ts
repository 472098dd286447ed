/**
 * The `specmesh` command line: one yargs command module per file under commands/. Those modules only
 * declare flags; each handler imports what its command runs (run/, @specmesh/lab) when it runs, so
 * `--help` and a role process load no more than they use.
 */

import { createRequire } from 'node:module';
import { SpecmeshError } from '@specmesh/protocol/errors';
import type yargsFactory from 'yargs';
import { awcCommandFor } from './awc-command.js';
import { benchCommand } from './commands/bench.js';
import { certsCommand } from './commands/certs.js';
import { chaosCommand } from './commands/chaos.js';
import { credsCommand } from './commands/creds.js';
import { demoCommand } from './commands/demo.js';
import { drainCommand } from './commands/drain.js';
import { generateCommand } from './commands/generate.js';
import { modelCommand } from './commands/model.js';
import { nodeCommand } from './commands/node.js';
import { planCommand } from './commands/plan.js';
import { simCommand } from './commands/sim.js';
import { statusCommand } from './commands/status.js';
import { traceCommand } from './commands/trace.js';
import { upCommand } from './commands/up.js';
import { resolveLayers, withConfig } from './config/config-layers.js';
import { DEFAULT_CONFIG_FILE } from './config/config-path.js';
import { CONFIG_PATH_ENV } from './config/env-settings.js';
import { ExitCode, exitCodeFor } from './exit-codes.js';
import { helpWidth } from './help-width.js';

/**
 * Parses `argv` (without the node and script paths) and runs the command. Settings come from flags,
 * then the `SPECMESH_*` variables of `env`, then the config file. Resolves to the exit code.
 */
export async function runCli(
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
  cwd: string = process.cwd(),
): Promise<number> {
  let failure: unknown;
  let layer = {};
  try {
    layer = (await resolveLayers(argv, env, cwd)).layer;
  } catch (err) {
    return report(err);
  }
  // Cluster commands share the settings of specmesh.yaml and SPECMESH_*; `bench` takes only the
  // connection settings, and `sim`, `model` and `trace` keep flags of their own meaning (a file's
  // `agreement:` is a drafter's, not a model file's).
  const clusterCommands = [upCommand, generateCommand, demoCommand, nodeCommand, statusCommand, drainCommand];
  let parser = yargs([...argv]).scriptName('specmesh');
  for (const c of clusterCommands) parser = parser.command(withConfig(c as never, layer));
  parser = parser
    .command(benchCommand((c) => withConfig(c, layer, ['log-level'])))
    .command(simCommand)
    .command(planCommand)
    .command(await awcCommandFor(argv))
    .command(modelCommand)
    .command(traceCommand)
    .command(chaosCommand)
    .command(certsCommand)
    .command(credsCommand)
    .option('config', {
      type: 'string',
      global: true,
      describe: `Settings file (YAML; keys are flag names). Defaults to ${CONFIG_PATH_ENV}, else ./${DEFAULT_CONFIG_FILE} when present. Precedence: flag > SPECMESH_* env > file > default`,
    })
    .demandCommand(1, 'Name a command; see --help')
    .strict()
    .completion('completion', 'Print a shell completion script')
    .help()
    .alias('h', 'help')
    .wrap(helpWidth(process.stdout))
    .version()
    .epilogue(
      'Exit codes: 0 ok, 1 failure, 2 usage or configuration, 3 missing dependency, 4 NATS unreachable, 5 deadline.',
    )
    .fail((msg, err) => {
      // Throwing stops yargs here; returning would let it run the command despite the error.
      throw err ?? new UsageError(msg);
    })
    .exitProcess(false);
  try {
    await parser.parseAsync();
  } catch (err) {
    failure = err;
  }
  if (failure === undefined) return ExitCode.Ok;
  if (failure instanceof UsageError) {
    process.stderr.write(`${await parser.getHelp()}\n\n${failure.message}\n`);
    return ExitCode.Usage;
  }
  return report(failure);
}

/** Writes `specmesh: <code>: <message>` to stderr and returns the exit code of the error. */
function report(failure: unknown): number {
  const label = failure instanceof SpecmeshError ? `${failure.code}: ` : '';
  process.stderr.write(`specmesh: ${label}${failure instanceof Error ? failure.message : String(failure)}\n`);
  return exitCodeFor(failure);
}

class UsageError extends Error {}

// yargs' CommonJS build, not its ES module: the ES build wraps help with cliui's minimal wrapper, which
// cuts words in half at the column edge; the CommonJS build wraps at spaces (wrap-ansi).
const yargs = createRequire(import.meta.url)('yargs') as typeof yargsFactory;
