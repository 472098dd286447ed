/**
 * Finds, reads and validates `specmesh.yaml`. The file is a flat map of flag long names to values,
 * shared by every command (each command takes the keys it has flags for):
 *
 * @example
 *   nats: [nats://10.0.0.5:4222, nats://10.0.0.6:4222]
 *   prefix: prod
 *   log-level: info
 *   pool: gpu-a
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError } from '@specmesh/protocol';
import { parse as parseYaml } from 'yaml';
import { CONFIG_KEYS, type ConfigLayer, isConfigKey } from './config-schema.js';
import { CONFIG_PATH_ENV } from './env-overrides.js';
import { validateField } from './validate-field.js';

/** File looked for in the working directory when neither `--config` nor `SPECMESH_CONFIG` names one. */
export const DEFAULT_CONFIG_FILE = 'specmesh.yaml';

/**
 * The config file to read: `--config <path>` in `argv`, else `SPECMESH_CONFIG`, else `specmesh.yaml`
 * in `cwd` when it exists. Returns undefined when there is none. A file named explicitly must exist.
 */
export function configPathOf(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  cwd: string,
): string | undefined {
  let named: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') break;
    if (a === '--config') named = argv[i + 1];
    else if (a.startsWith('--config=')) named = a.slice('--config='.length);
  }
  named ??= env[CONFIG_PATH_ENV] || undefined;
  if (named !== undefined) {
    const path = resolve(cwd, named);
    if (!existsSync(path))
      throw new ConfigError(`config file ${path} does not exist (from --config or ${CONFIG_PATH_ENV})`, {
        context: { option: 'config' },
      });
    return path;
  }
  const fallback = resolve(cwd, DEFAULT_CONFIG_FILE);
  return existsSync(fallback) ? fallback : undefined;
}

/**
 * Parses and validates the YAML text of a config file.
 * @throws ConfigError naming the file and the field for bad YAML, an unknown key or a bad value.
 */
export function parseConfigText(text: string, file: string): ConfigLayer {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (cause) {
    throw new ConfigError(`${file}: not valid YAML: ${(cause as Error).message.split('\n')[0]}`, {
      cause,
      context: { option: 'config' },
    });
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== 'object' || Array.isArray(doc))
    throw new ConfigError(`${file}: expected a map of settings (key: value), got ${typeof doc}`, {
      context: { option: 'config' },
    });
  const layer: ConfigLayer = {};
  for (const [key, raw] of Object.entries(doc as Record<string, unknown>)) {
    if (!isConfigKey(key))
      throw new ConfigError(`${file}: unknown setting "${key}"; known settings: ${CONFIG_KEYS.join(', ')}`, {
        context: { option: key },
      });
    // `nats` may be one URL, a comma-separated list, or a YAML list.
    const value = key === 'nats' && typeof raw === 'string' ? raw.split(',').map((s) => s.trim()) : raw;
    validateField(key, value, `${file}: ${key}`);
    layer[key] = value;
  }
  return layer;
}

/** Reads and validates the file at `path`. */
export function loadConfigFile(path: string): ConfigLayer {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new ConfigError(`cannot read config file ${path}: ${(cause as Error).message}`, {
      cause,
      context: { option: 'config' },
    });
  }
  return parseConfigText(text, path);
}
