/**
 * Precedence of settings, highest first: command-line flag > `SPECMESH_*` variable > config file >
 * the flag's default. The file and environment are merged into one layer before parsing; yargs then
 * gives it to each command as a config object (which flags override and which overrides defaults).
 */
import type { Argv, CommandModule } from 'yargs';
import { configPathOf } from './config-path.js';
import type { ConfigKey, ConfigLayer } from './config-schema.js';
import { hasEnvSettings } from './env-settings.js';
import { flagNames } from './flag-names.js';

/** The merged file and environment settings, and where the file was. */
export interface ResolvedLayers {
  /** Absolute path of the config file read, if any. */
  readonly file: string | undefined;
  /** Environment over file. */
  readonly layer: ConfigLayer;
}

/**
 * Reads the config file (see {@link configPathOf}) and the environment. The YAML parser and the
 * schema load only when there is a file or a variable to read: most runs (and every `--help`) have
 * neither, and start sooner without them.
 * @throws ConfigError for a missing named file, bad YAML, an unknown key or any invalid value.
 */
export async function resolveLayers(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  cwd: string,
): Promise<ResolvedLayers> {
  const file = configPathOf(argv, env, cwd);
  const fromFile = file ? (await import('./load-config.js')).loadConfigFile(file) : {};
  const fromEnv = hasEnvSettings(env) ? (await import('./env-overrides.js')).readEnvLayer(env) : {};
  return { file, layer: { ...fromFile, ...fromEnv } };
}

/** The settings of `layer` that the command declares flags for (strict mode refuses the others). */
function declared(
  y: Argv,
  layer: ConfigLayer,
  only: ReadonlySet<string> | undefined,
): Record<string, unknown> {
  const keys = new Set(flagNames(y));
  return Object.fromEntries(Object.entries(layer).filter(([k]) => keys.has(k) && (!only || only.has(k))));
}

/** Settings about reaching the cluster: every command that connects takes them. */
export const CONNECTION_KEYS: readonly ConfigKey[] = [
  'nats',
  'prefix',
  'log-level',
  'user',
  'password',
  'token',
  'tls-ca',
  'tls-cert',
  'tls-key',
];

/**
 * Wraps a command so that its builder takes its settings from `layer` and its parsed flags are
 * validated before the handler runs. `only` limits both to some keys (commands whose other flags
 * mean something of their own). Defaults to every key the command has a flag for.
 */
export function withConfig<T, U>(
  command: CommandModule<T, U>,
  layer: ConfigLayer,
  only?: readonly ConfigKey[],
): CommandModule<T, U> {
  const build = command.builder;
  const keys = only ? new Set<string>(only) : undefined;
  return {
    ...command,
    builder: (y: Argv<T>) => {
      const built = (typeof build === 'function' ? build(y) : build ? y.options(build) : y) as Argv<U>;
      const settings = declared(built as unknown as Argv, layer, keys);
      return built.config(settings).middleware(async (argv) => {
        // The schema loads once a command is about to run, never for --help.
        const { validateArgs } = await import('./validate-args.js');
        validateArgs(built as unknown as Argv, argv as Record<string, unknown>, keys);
      }) as Argv<U>;
    },
  };
}
