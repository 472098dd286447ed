/**
 * Whether to colour what goes to a stream, decided in one place for every command: colours on a
 * terminal only, never when `NO_COLOR` is set (https://no-color.org: any non-empty value), and
 * always when `FORCE_COLOR` asks for them (any value but empty, `0` or `false`), as Node's own
 * `hasColors` and most colour libraries do. A terminal that cannot show colours (`TERM=dumb`) gets none.
 */

/** What the decision reads of a stream (a `tty.WriteStream` says `isTTY: true`). */
export interface ColourStream {
  readonly isTTY?: boolean;
}

export function colourEnabled(
  stream: ColourStream = process.stdout,
  env: NodeJS.ProcessEnv = process.env,
): boolean {
  const force = env['FORCE_COLOR'];
  if (force !== undefined && force !== '') return force !== '0' && force !== 'false';
  if (env['NO_COLOR']) return false;
  if (stream.isTTY !== true) return false;
  return env['TERM'] !== 'dumb';
}

/** ANSI SGR codes of the colours the CLI uses. */
export const Colour = {
  red: 31,
  green: 32,
  yellow: 33,
  blue: 34,
  magenta: 35,
} as const;

/** A painter: `paint(code, text)` wraps text in the colour when `enabled`, else returns it as is. */
export function painter(enabled: boolean): (code: number, text: string) => string {
  return enabled ? (code, text) => `\u001b[${code}m${text}\u001b[0m` : (_code, text) => text;
}
