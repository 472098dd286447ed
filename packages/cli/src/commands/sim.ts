/**
 * `specmesh sim dsi`: non-SI, SI and DSI in virtual time on the DSI paper's grid and at its online
 * fixture, driven by the same orchestration code the cluster runs.
 */
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { formatDsiFixture, formatDsiGrid, runDsiFixture, runDsiGrid } from '../bench/dsi-grid.js';

interface SimArgs {
  what: string;
  tokens: number;
  repeats: number;
}

async function runSim(args: ArgumentsCamelCase<SimArgs>): Promise<void> {
  process.stdout.write(
    `${formatDsiGrid(runDsiGrid(args.tokens, args.repeats), args.tokens, args.repeats)}\n\n`,
  );
  process.stdout.write(`${formatDsiFixture(runDsiFixture(args.repeats))}\n`);
}

export const simCommand: CommandModule<object, SimArgs> = {
  command: 'sim <what>',
  describe: 'Simulate in virtual time (dsi: non-SI vs SI vs DSI on the DSI paper grid)',
  builder: (y: Argv) =>
    y
      .positional('what', {
        type: 'string',
        choices: ['dsi'],
        demandOption: true,
        describe: 'Simulation to run',
      })
      .option('tokens', { type: 'number', default: 1000, describe: 'Tokens per generation' })
      .option('repeats', { type: 'number', default: 5, describe: 'Seeds per point' })
      .example(
        '$0 sim dsi --tokens 300 --repeats 3',
        'a quicker pass over the grid',
      ) as unknown as Argv<SimArgs>,
  handler: runSim,
};
