/**
 * The `SPECMESH_*` environment variables that stand in for settings, as names only: checking whether
 * any is set costs nothing, so the schema is loaded only when one is (env-overrides.ts reads them). The mapping is explicit on
 * purpose: a blanket `SPECMESH_<FLAG>` rule once turned unrelated variables (`SPECMESH_CACHE_DIR`,
 * `SPECMESH_NATS_SERVER`, the nats-server binary) into unknown options. Variables not listed here are
 * ignored.
 */

import type { ConfigKey } from './config-schema.js';

export type Parse = 'string' | 'list' | 'int' | 'number';

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
  SPECMESH_SIGNING_KEY: ['signing-key', 'string'],
  SPECMESH_VERIFIED_OUTPUT: ['verified-output', 'string'],
  SPECMESH_OTLP_ENDPOINT: ['otlp-endpoint', 'string'],
  SPECMESH_SERVED_MODEL_NAME: ['served-model-name', 'list'],
};

/** Variable naming the config file; see config-path.ts. */
export const CONFIG_PATH_ENV = 'SPECMESH_CONFIG';

/** Whether `env` sets any of the variables above (an empty one counts as unset). */
export function hasEnvSettings(env: NodeJS.ProcessEnv): boolean {
  return Object.keys(ENV_SETTINGS).some((name) => env[name] !== undefined && env[name] !== '');
}
