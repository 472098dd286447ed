/**
 * Precedence of settings, highest first: command-line flag > `SPECMESH_*` variable > config file >
 * the flag's default. The file and environment are merged into one layer before parsing; yargs then
 * gives it to each command as a config object (which flags override and which overrides defaults).
 */
import type { Argv, CommandModule } from 'yargs';
import { type ConfigKey, type ConfigLayer, isConfigKey } from './config-schema.js';
import { readEnvLayer } from './env-overrides.js';
import { configPathOf, loadConfigFile } from './load-config.js';
import { validateField } from './validate-field.js';

/** The merged file and environment settings, and where the file was. */
export interface ResolvedLayers {
  /** Absolute path of the config file read, if any. */
  readonly file: string | undefined;
  /** Environment over file. */
  readonly layer: ConfigLayer;
}

/**
 * Reads the config file (see {@link configPathOf}) and the environment.
 * @throws ConfigError for a missing named file, bad YAML, an unknown key or any invalid value.
 */
export function resolveLayers(argv: readonly string[], env: NodeJS.ProcessEnv, cwd: string): ResolvedLayers {
  const file = configPathOf(argv, env, cwd);
  const fromFile = file ? loadConfigFile(file) : {};
  return { file, layer: { ...fromFile, ...readEnvLayer(env) } };
}

/** Long names of the flags a command declared (yargs keeps them; its typings do not show it). */
function flagNames(y: Argv): string[] {
  return Object.keys((y as unknown as { getOptions(): { key: Record<string, unknown> } }).getOptions().key);
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

function show(v: unknown): string {
  return typeof v === 'number' && !Number.isFinite(v) ? String(v) : JSON.stringify(v);
}

/**
 * Validates the final value of every configurable flag the command declares, so a bad flag is refused
 * with the same rules as a bad file or variable.
 * @throws ConfigError naming the flag.
 */
export function validateArgs(
  y: Argv,
  argv: Record<string, unknown>,
  only: ReadonlySet<string> | undefined = undefined,
): void {
  for (const key of flagNames(y)) {
    if (!isConfigKey(key) || (only && !only.has(key))) continue;
    const value = argv[key];
    if (value === undefined) continue;
    try {
      validateField(key as ConfigKey, value, `--${key}`);
    } catch (err) {
      // NaN (from `--port abc`) prints as null in JSON; say what it was.
      if (typeof value === 'number' && Number.isNaN(value))
        (err as Error).message = `--${key}: expected a number, got ${show(value)}`;
      throw err;
    }
  }
}

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
      return built
        .config(settings)
        .middleware((argv) =>
          validateArgs(built as unknown as Argv, argv as Record<string, unknown>, keys),
        ) as Argv<U>;
    },
  };
}
