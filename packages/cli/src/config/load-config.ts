/**
 * Reads and validates `specmesh.yaml` (config-path.ts finds it). The file is a flat map of flag long names to values,
 * shared by every command (each command takes the keys it has flags for):
 *
 * @example
 *   nats: [nats://10.0.0.5:4222, nats://10.0.0.6:4222]
 *   prefix: prod
 *   log-level: info
 *   pool: gpu-a
 */
import { readFileSync } from 'node:fs';
import { ConfigError } from '@specmesh/protocol/errors';
import { parse as parseYaml } from 'yaml';
import { CONFIG_KEYS, type ConfigLayer, isConfigKey } from './config-schema.js';
import { validateField } from './validate-field.js';

export { configPathOf, DEFAULT_CONFIG_FILE } from './config-path.js';

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
