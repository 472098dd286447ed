/** The `specmesh` command line: one yargs command module per file under commands/. */

import { SpecmeshError } from '@specmesh/protocol';
import yargs from 'yargs';
import { benchCommand } from './commands/bench.js';
import { demoCommand } from './commands/demo.js';
import { generateCommand } from './commands/generate.js';
import { modelCommand } from './commands/model.js';
import { nodeCommand } from './commands/node.js';
import { simCommand } from './commands/sim.js';
import { statusCommand } from './commands/status.js';
import { upCommand } from './commands/up.js';
import { ExitCode, exitCodeFor } from './exit-codes.js';

/** Parses `argv` (without the node and script paths) and runs the command. Resolves to the exit code. */
export async function runCli(argv: readonly string[]): Promise<number> {
  let failure: unknown;
  const parser = yargs([...argv])
    .scriptName('specmesh')
    .command(upCommand)
    .command(generateCommand)
    .command(demoCommand)
    .command(benchCommand)
    .command(simCommand)
    .command(modelCommand)
    .command(nodeCommand)
    .command(statusCommand)
    .demandCommand(1, 'Name a command; see --help')
    .strict()
    .completion('completion', 'Print a shell completion script')
    .help()
    .alias('h', 'help')
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
  const code = exitCodeFor(failure);
  const label = failure instanceof SpecmeshError ? `${failure.code}: ` : '';
  process.stderr.write(`specmesh: ${label}${failure instanceof Error ? failure.message : String(failure)}\n`);
  return code;
}

class UsageError extends Error {}
