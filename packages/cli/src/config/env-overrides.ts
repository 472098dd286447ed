/**
 * The `SPECMESH_*` environment variables that stand in for settings. The mapping is explicit on
 * purpose: a blanket `SPECMESH_<FLAG>` rule once turned unrelated variables (`SPECMESH_CACHE_DIR`,
 * `SPECMESH_NATS_SERVER`, the nats-server binary) into unknown options. Variables not listed here are
 * ignored.
 */
import type { ConfigKey, ConfigLayer } from './config-schema.js';
import { validateField } from './validate-field.js';

type Parse = 'string' | 'list' | 'int' | 'number';

/** Variable → setting key and how its text is read. */
export const ENV_SETTINGS: Readonly<Record<string, readonly [ConfigKey, Parse]>> = {
  SPECMESH_NATS: ['nats', 'list'],
  SPECMESH_PREFIX: ['prefix', 'string'],
  SPECMESH_LOG_LEVEL: ['log-level', 'string'],
  SPECMESH_USER: ['user', 'string'],
  SPECMESH_PASSWORD: ['password', 'string'],
  SPECMESH_TOKEN: ['token', 'string'],
  SPECMESH_TLS_CA: ['tls-ca', 'string'],
  SPECMESH_TLS_CERT: ['tls-cert', 'string'],
  SPECMESH_TLS_KEY: ['tls-key', 'string'],
  SPECMESH_ROLE: ['role', 'string'],
  SPECMESH_NAME: ['name', 'string'],
  SPECMESH_POOL: ['pool', 'string'],
  SPECMESH_HEARTBEAT_MS: ['heartbeat-ms', 'int'],
  SPECMESH_BACKEND: ['backend', 'string'],
  SPECMESH_MODEL: ['model', 'string'],
  SPECMESH_DRAFT_MODEL: ['draft-model', 'string'],
  SPECMESH_MODEL_THREADS: ['model-threads', 'int'],
  SPECMESH_PORT: ['port', 'int'],
  SPECMESH_HOST: ['host', 'string'],
  SPECMESH_METRICS_PORT: ['metrics-port', 'int'],
  SPECMESH_API_KEY_FILE: ['api-key-file', 'string'],
  SPECMESH_OTLP_ENDPOINT: ['otlp-endpoint', 'string'],
};

/** Variable naming the config file; see load-config.ts. */
export const CONFIG_PATH_ENV = 'SPECMESH_CONFIG';

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
