/**
 * A progress bar for long commands (cli-progress), drawn on stderr and only when stderr is a
 * terminal, so piped output and tests see nothing but the results on stdout. Commands turn it off
 * with `--json` (`enabled: false`): scripts get no terminal drawing at all.
 */
import { SingleBar } from 'cli-progress';

export interface Progress {
  /** True while a bar is on the terminal: messages then belong in `note`, not on stderr. */
  readonly drawing: boolean;
  /** Moves the bar to `done` of its total; `note` (optional) says what is running now. */
  update(done: number, note?: string): void;
  stop(): void;
}

export interface ProgressOptions {
  /** Draw at all; commands pass `!args.json`. Defaults to true. */
  readonly enabled?: boolean;
  /** Where to draw; nothing is drawn unless it is a terminal. Defaults to process.stderr. */
  readonly stream?: NodeJS.WriteStream;
}

/** A progress that draws nothing (not a terminal, or `--json`). */
const SILENT: Progress = { drawing: false, update: () => undefined, stop: () => undefined };

export function createProgress(label: string, total: number, options: ProgressOptions = {}): Progress {
  const stream = options.stream ?? process.stderr;
  if (options.enabled === false || !stream.isTTY) return SILENT;
  const bar = new SingleBar({
    stream,
    format: `${label} [{bar}] {percentage}% · {value}/{total} · eta {eta_formatted} {note}`,
    barsize: 30,
    hideCursor: true,
    clearOnComplete: true,
    // Redraw at most ~10 times a second: updates come far more often than that.
    fps: 10,
  });
  bar.start(total, 0, { note: '' });
  let drawing = true;
  return {
    get drawing() {
      return drawing;
    },
    update: (done, note) => bar.update(done, note === undefined ? {} : { note }),
    stop: () => {
      drawing = false;
      bar.stop();
    },
  };
}
