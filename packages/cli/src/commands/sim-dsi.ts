/** `specmesh sim dsi`: non-SI vs SI vs DSI on the DSI paper grid (`--grid`: the full grid, heatmaps and CSV). */
import type { Argv, CommandModule } from 'yargs';
import { withJsonOption } from '../output.js';

export interface DsiArgs {
  tokens?: number;
  repeats?: number;
  grid: boolean;
  quick: boolean;
  out: string;
  c?: number[];
  a?: number[];
  k?: number[];
  predrafters: number;
  alternatives: number;
  runnerUpHits?: number[];
  json: boolean;
}

export const simDsiCommand: CommandModule<object, DsiArgs> = {
  command: 'dsi',
  describe: 'non-SI vs SI vs DSI on the DSI paper grid (--grid: full grid, heatmaps and CSV)',
  builder: (y: Argv) =>
    withJsonOption(y, 'the rows and the fixture (with --grid: the ratio summary and the files)')
      .option('tokens', {
        type: 'number',
        describe: 'Tokens per generation (default 1000; 200 with --grid; a fifth of either with --quick)',
      })
      .option('repeats', {
        type: 'number',
        describe: 'Seeds per point (default 5; 2 with --grid; 1 with --quick)',
      })
      .option('quick', {
        type: 'boolean',
        default: false,
        describe: 'Shorter generations, one seed per point',
      })
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
      .option('predrafters', {
        type: 'number',
        default: 0,
        describe:
          'Grid: also run SSD-DSI, DSI with pre-drafting on this many more drafter instances (0: not run)',
      })
      .option('alternatives', {
        type: 'number',
        default: 2,
        describe: "Grid, SSD-DSI: the drafter's runner-ups per position that branches are drafted for",
      })
      .option('runner-up-hits', {
        type: 'array',
        number: true,
        describe:
          "Grid, SSD-DSI: where a draft is wrong, the probability that the target's token is the drafter's 1st, 2nd, ... runner-up (default 1/2, 1/6, 1/12, ...)",
      })
      .option('out', { type: 'string', default: 'sim-dsi', describe: 'Folder for the --grid files' })
      .example('$0 sim dsi --tokens 300 --repeats 3', 'a quicker pass over the grid')
      .example('$0 sim dsi --grid --out docs/benchmarks/img', 'heatmaps of the full grid')
      .example(
        '$0 sim dsi --grid --predrafters 4 --out docs/benchmarks/img',
        'the same with SSD-DSI (pre-drafting) and its heatmap over DSI',
      ) as unknown as Argv<DsiArgs>,
  handler: async (args) => (await import('../run/sim-dsi.js')).runDsi(args),
};
