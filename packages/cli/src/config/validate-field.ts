/** Checks one setting against its schema and explains a failure in words a user can act on. */
import { Value } from '@sinclair/typebox/value';
import { ConfigError } from '@specmesh/protocol/errors';
import { CONFIG_FIELDS, type ConfigKey } from './config-schema.js';

/**
 * Throws a ConfigError naming `where` (e.g. `--pool`, `SPECMESH_POOL`, `specmesh.yaml: pool`) unless
 * `value` fits the key's schema. The error's context carries the option name.
 */
export function validateField(key: ConfigKey, value: unknown, where: string): void {
  const schema = CONFIG_FIELDS[key];
  if (Value.Check(schema, value)) return;
  const first = Value.Errors(schema, value).First();
  const path = first?.path ? ` at ${first.path}` : '';
  throw new ConfigError(
    `${where}: invalid value ${JSON.stringify(value)}${path}: ${first?.message ?? 'does not match'}${hint(key)}`,
    { context: { option: key } },
  );
}

function hint(key: ConfigKey): string {
  const schema = CONFIG_FIELDS[key] as { anyOf?: Array<{ const: unknown }> };
  if (schema.anyOf) return ` (one of ${schema.anyOf.map((s) => String(s.const)).join(', ')})`;
  if (key === 'nats') return ' (nats://host:port, tls://host:port, ws:// or wss://)';
  if (key === 'name' || key === 'pool') return ' (1-128 of A-Z a-z 0-9 _ - :)';
  if (key === 'prefix') return ' (dot-separated parts of A-Z a-z 0-9 _ - :)';
  return '';
}
