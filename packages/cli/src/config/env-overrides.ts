/** Reads the `SPECMESH_*` variables of env-settings.ts into a validated layer of settings. */
import type { ConfigLayer } from './config-schema.js';
import { ENV_SETTINGS, type Parse } from './env-settings.js';
import { validateField } from './validate-field.js';

export { CONFIG_PATH_ENV, ENV_SETTINGS } from './env-settings.js';

function parse(text: string, how: Parse): unknown {
  switch (how) {
    case 'list':
      return text
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
    case 'int':
    case 'number':
      // Number('') is 0 and Number('1e3') is 1000: keep the text when it is not a plain number, so
      // the schema check reports what the user wrote.
      return /^-?\d+(\.\d+)?$/.test(text.trim()) ? Number(text) : text;
    default:
      return text;
  }
}

/**
 * Reads the mapped variables from `env`. Empty variables count as unset.
 * @throws ConfigError naming the variable for a value its setting refuses.
 */
export function readEnvLayer(env: NodeJS.ProcessEnv): ConfigLayer {
  const layer: ConfigLayer = {};
  for (const [name, [key, how]] of Object.entries(ENV_SETTINGS)) {
    const text = env[name];
    if (text === undefined || text === '') continue;
    const value = parse(text, how);
    validateField(key, value, name);
    layer[key] = value;
  }
  return layer;
}
