/**
 * `specmesh sim`: simulations in virtual time, driven by the same orchestration code the cluster runs.
 *
 * - `sim dsi`: non-SI, SI and DSI on the DSI paper grid and at its online fixture (core's runner);
 *   with `--grid`, the paper's full offline grid on the simulator, written as heatmaps and CSV;
 * - `sim dsd --scenario <file>`: a DSD scenario (drafters, targets, network, batching, workload);
 * - `sim validate`: one scenario in the simulator and on a real local cluster, compared metric by metric.
 *
 * Each takes `--json` (one JSON object on stdout) and shows a progress bar on a terminal otherwise.
 */
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import {
  type DsiGridRow,
  formatDsiFixture,
  formatDsiGrid,
  paperGridPoints,
  runDsiFixture,
  runDsiGrid,
} from '../bench/dsi-grid.js';
import { createOutput, withJsonOption } from '../output.js';
import { createProgress } from '../progress.js';
import { simDsdCommand } from '../sim/sim-dsd-command.js';
import { formatDsiGridSummary, runDsiGridToFiles, summarizeDsiGrid } from '../sim/sim-dsi-grid.js';
import { simValidateCommand } from '../sim/validate-command.js';

interface DsiArgs {
  tokens?: number;
  repeats?: number;
  grid: boolean;
  out: string;
  c?: number[];
  a?: number[];
  k?: number[];
  json: boolean;
}

async function runDsi(args: ArgumentsCamelCase<DsiArgs>): Promise<void> {
  const output = createOutput(args.json);
  const progress = { enabled: !args.json };
  if (args.grid) {
    // The full grid has thousands of points: shorter generations keep it to minutes.
    const tokens = args.tokens ?? 200;
    const repeats = args.repeats ?? 2;
    const axes = {
      ...(args.c ? { c: args.c } : {}),
      ...(args.a ? { a: args.a } : {}),
      ...(args.k ? { k: args.k } : {}),
    };
    const { rows, files } = await runDsiGridToFiles({ tokens, repeats, ...axes }, args.out, progress);
    output.result(
      { tokens, repeats, points: rows.length, ratios: summarizeDsiGrid(rows), files },
      () => `${formatDsiGridSummary(rows, tokens, repeats)}\nwrote ${files.join(', ')}`,
    );
    return;
  }
  const tokens = args.tokens ?? 1000;
  const repeats = args.repeats ?? 5;
  const bar = createProgress('DSI paper grid', paperGridPoints().length, progress);
  let grid: DsiGridRow[];
  try {
    grid = runDsiGrid(tokens, repeats, (done) => bar.update(done));
  } finally {
    bar.stop();
  }
  const fixture = runDsiFixture(repeats);
  output.result(
    { tokens, repeats, grid, fixture },
    () => `${formatDsiGrid(grid, tokens, repeats)}\n\n${formatDsiFixture(fixture)}`,
  );
}

const simDsiCommand: CommandModule<object, DsiArgs> = {
  command: 'dsi',
  describe: 'non-SI vs SI vs DSI on the DSI paper grid (--grid: full grid, heatmaps and CSV)',
  builder: (y: Argv) =>
    withJsonOption(y, 'the rows and the fixture (with --grid: the ratio summary and the files)')
      .option('tokens', { type: 'number', describe: 'Tokens per generation (default 1000; 200 with --grid)' })
      .option('repeats', { type: 'number', describe: 'Seeds per point (default 5; 2 with --grid)' })
      .option('grid', {
        type: 'boolean',
        default: false,
        describe: "The paper's full offline grid on the simulator, with heatmaps (SVG, PNG) and CSV",
      })
      .option('c', {
        type: 'array',
        number: true,
        describe: 'Grid: drafter/target ratios (default the paper axis)',
      })
      .option('a', {
        type: 'array',
        number: true,
        describe: 'Grid: acceptance rates (default the paper axis)',
      })
      .option('k', { type: 'array', number: true, describe: 'Grid: lookaheads (default 1..20)' })
      .option('out', { type: 'string', default: 'sim-dsi', describe: 'Folder for the --grid files' })
      .example('$0 sim dsi --tokens 300 --repeats 3', 'a quicker pass over the grid')
      .example(
        '$0 sim dsi --grid --out docs/benchmarks/img',
        'heatmaps of the full grid',
      ) as unknown as Argv<DsiArgs>,
  handler: runDsi,
};

export const simCommand: CommandModule = {
  command: 'sim <command>',
  describe:
    'Simulate in virtual time (dsi: the DSI paper grid; dsd: a DSD scenario file; validate: vs a real cluster)',
  builder: (y: Argv) =>
    y
      .command(simDsiCommand)
      .command(simDsdCommand)
      .command(simValidateCommand)
      .demandCommand(1, 'Name a simulation: dsi, dsd or validate') as Argv,
  handler: () => undefined,
};
