/** Settings shared by every command: `specmesh.yaml`, `SPECMESH_*` variables and their precedence. */
export { CONNECTION_KEYS, type ResolvedLayers, resolveLayers, withConfig } from './config-layers.js';
export { configPathOf, DEFAULT_CONFIG_FILE } from './config-path.js';
export { CONFIG_FIELDS, CONFIG_KEYS, type ConfigKey, type ConfigLayer } from './config-schema.js';
export { readEnvLayer } from './env-overrides.js';
export { CONFIG_PATH_ENV, ENV_SETTINGS, hasEnvSettings } from './env-settings.js';
export { loadConfigFile, parseConfigText } from './load-config.js';
export { validateArgs } from './validate-args.js';
export { validateField } from './validate-field.js';
