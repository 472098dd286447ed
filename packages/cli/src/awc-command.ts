/**
 * `specmesh awc` as the top-level help lists it, and the full command only when it runs: its
 * subcommands load the simulator when their modules load, which `--help` of every other command must
 * not pay for.
 */
import type { CommandModule } from 'yargs';

const DESCRIBE =
  'Adaptive window control (AWC): label decisions, train the WC-DNN, benchmark it in the simulator';

/** The first word of `argv` that is not an option or the value of `--config`. */
export function commandWord(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') return argv[i + 1];
    if (a === '--config') i++;
    else if (!a.startsWith('-')) return a;
  }
  return undefined;
}

/** The awc command itself when `argv` names it, else an entry with its name and description. */
export async function awcCommandFor(argv: readonly string[]): Promise<CommandModule> {
  if (commandWord(argv) === 'awc') return (await import('./commands/awc.js')).awcCommand;
  return { command: 'awc <command>', describe: DESCRIBE, builder: {}, handler: () => undefined };
}
