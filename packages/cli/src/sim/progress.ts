/**
 * A progress bar for long simulations (cli-progress), drawn on stderr and only when stderr is a
 * terminal, so piped output and tests see nothing but the results on stdout.
 */
import { SingleBar } from 'cli-progress';

export interface Progress {
  update(done: number): void;
  stop(): void;
}

export function createProgress(label: string, total: number): Progress {
  if (!process.stderr.isTTY) return { update: () => undefined, stop: () => undefined };
  const bar = new SingleBar({
    stream: process.stderr,
    format: `${label} [{bar}] {percentage}% · {value}/{total} · eta {eta_formatted}`,
    barsize: 30,
    hideCursor: true,
    clearOnComplete: true,
    // Redraw at most ~10 times a second: updates come far more often than that.
    fps: 10,
  });
  bar.start(total, 0);
  return {
    update: (done) => bar.update(done),
    stop: () => bar.stop(),
  };
}
