/**
 * How a command prints, in one place. Its result goes to stdout: text for people, or with `--json`
 * one JSON document (one line) for scripts; streaming commands print JSON lines instead, one event a
 * line (`jsonLine`). With `--json` nothing else reaches stdout: what the command is doing goes to stderr, as do
 * logs and progress bars (those only on a terminal, and never with `--json`; see progress.ts).
 *
 *   const out = createOutput(args.json);
 *   out.say('• starting …');                    // stdout for people, stderr with --json
 *   out.result(report, formatReport);          // formatReport(report), or JSON of report
 */
import type { Argv } from 'yargs';

/** Where a command writes; `createOutput` makes the one for a run. */
export interface Output {
  /** True with `--json`: stdout carries JSON only. */
  readonly json: boolean;
  /** A line of running commentary: stdout for people, stderr with `--json`. */
  say(line: string): void;
  /** Text that belongs to the human report only (e.g. streamed tokens); dropped with `--json`. */
  text(chunk: string): void;
  /** The command's result: `human(value)` as a line of text, or `value` as one JSON line. */
  result<T>(value: T, human: (value: T) => string): void;
  /**
   * With `--json`, `value` as one JSON line; nothing without. For streaming commands (one line per
   * event) and for those whose text report was printed piece by piece as it came.
   */
  jsonLine(value: unknown): void;
}

/** Serialises a result for scripts: one line, so JSON documents and JSON lines read alike. */
export function toJsonLine(value: unknown): string {
  return `${JSON.stringify(value)}\n`;
}

/** The output of one command run; `json` is its `--json` flag. */
export function createOutput(
  json: boolean,
  streams: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream } = process,
): Output {
  return {
    json,
    say: (line) => (json ? streams.stderr : streams.stdout).write(`${line}\n`),
    text: (chunk) => {
      if (!json) streams.stdout.write(chunk);
    },
    result: (value, human) => streams.stdout.write(json ? toJsonLine(value) : `${human(value)}\n`),
    jsonLine: (value) => {
      if (json) streams.stdout.write(toJsonLine(value));
    },
  };
}

/**
 * Adds `--json` to a command. `what` says what the JSON holds, e.g. "the report"; defaults to the
 * result. Defaults to false.
 */
export function withJsonOption<T>(y: Argv<T>, what = 'the result') {
  return y.option('json', {
    type: 'boolean',
    default: false,
    describe: `Print ${what} as JSON on stdout (one line); messages and logs go to stderr`,
  });
}
