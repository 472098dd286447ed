/** What yargs knows of a command's flags that its typings do not show. */
import type { Argv } from 'yargs';

/** Long names of the flags a command declared. */
export function flagNames(y: Argv): string[] {
  return Object.keys((y as unknown as { getOptions(): { key: Record<string, unknown> } }).getOptions().key);
}
