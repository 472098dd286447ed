/** `specmesh sim dsi`: non-SI vs SI vs DSI on the DSI paper grid, or the full grid to files. */
import {
  type DsiGridRow,
  formatDsiFixture,
  formatDsiGrid,
  paperGridPoints,
  runDsiFixture,
  runDsiGrid,
} from '@specmesh/lab';
import type { ArgumentsCamelCase } from 'yargs';
import type { DsiArgs } from '../commands/sim-dsi.js';
import { createOutput } from '../output.js';
import { createProgress } from '../progress.js';
import {
  formatDsiGridSummary,
  runDsiGridToFiles,
  summarizeDsiGrid,
  summarizePredraft,
} from '../sim/sim-dsi-grid.js';

export async function runDsi(args: ArgumentsCamelCase<DsiArgs>): Promise<void> {
  const output = createOutput(args.json);
  const progress = { enabled: !args.json };
  if (args.grid) {
    // The full grid has thousands of points: shorter generations keep it to minutes.
    const tokens = args.tokens ?? (args.quick ? 40 : 200);
    const repeats = args.repeats ?? (args.quick ? 1 : 2);
    const axes = {
      ...(args.c ? { c: args.c } : {}),
      ...(args.a ? { a: args.a } : {}),
      ...(args.k ? { k: args.k } : {}),
    };
    const ssd =
      args.predrafters > 0
        ? {
            predrafters: args.predrafters,
            alternatives: args.alternatives,
            ...(args.runnerUpHits ? { runnerUpHits: args.runnerUpHits } : {}),
          }
        : {};
    const { rows, files } = await runDsiGridToFiles({ tokens, repeats, ...axes, ...ssd }, args.out, progress);
    output.result(
      {
        tokens,
        repeats,
        points: rows.length,
        ratios: summarizeDsiGrid(rows),
        ...(args.predrafters > 0 ? { predraft: summarizePredraft(rows) } : {}),
        files,
      },
      () => `${formatDsiGridSummary(rows, tokens, repeats)}\nwrote ${files.join(', ')}`,
    );
    return;
  }
  const tokens = args.tokens ?? (args.quick ? 200 : 1000);
  const repeats = args.repeats ?? (args.quick ? 1 : 5);
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
