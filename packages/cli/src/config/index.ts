/** Settings shared by every command: `specmesh.yaml`, `SPECMESH_*` variables and their precedence. */
export {
  CONNECTION_KEYS,
  type ResolvedLayers,
  resolveLayers,
  validateArgs,
  withConfig,
} from './config-layers.js';
export { CONFIG_FIELDS, CONFIG_KEYS, type ConfigKey, type ConfigLayer } from './config-schema.js';
export { CONFIG_PATH_ENV, ENV_SETTINGS, readEnvLayer } from './env-overrides.js';
export { configPathOf, DEFAULT_CONFIG_FILE, loadConfigFile, parseConfigText } from './load-config.js';
export { validateField } from './validate-field.js';
