/**
 * How wide help text is: the terminal's width up to 120 columns, so lines neither overflow a narrow
 * terminal nor stretch across a wide one. Where stdout is not a terminal (a pipe, a file, a test)
 * there is no width to follow: `COLUMNS` when set, else 100. yargs wraps at spaces, never inside a word.
 */

/** Widest help, columns. */
export const MAX_HELP_WIDTH = 120;
/** Width of help that goes to a pipe or a file when `COLUMNS` does not say otherwise. */
export const PIPED_HELP_WIDTH = 100;
/** Narrowest width worth wrapping to; below it flag names and descriptions no longer fit side by side. */
const MIN_HELP_WIDTH = 40;

export function helpWidth(
  stdout: { isTTY?: boolean; columns?: number } = process.stdout,
  env: NodeJS.ProcessEnv = process.env,
): number {
  const columns = Number(env.COLUMNS);
  const width = stdout.isTTY && stdout.columns ? stdout.columns : columns > 0 ? columns : PIPED_HELP_WIDTH;
  return Math.max(MIN_HELP_WIDTH, Math.min(MAX_HELP_WIDTH, width));
}
