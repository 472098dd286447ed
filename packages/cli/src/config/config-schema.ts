/**
 * What `specmesh.yaml` may hold: every key is the long name of a flag (without the dashes), with the
 * same meaning. One TypeBox schema per key, used three times: to validate the file, the `SPECMESH_*`
 * environment variables, and the final value of each flag, so a bad value is refused the same way
 * wherever it came from.
 */
import { type TSchema, Type } from '@sinclair/typebox';

const NatsUrl = Type.String({ pattern: '^(nats|tls|ws|wss)://[^\\s,]+$' });
const Token = Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9_\\-:]+$' });
const Prefix = Type.String({
  minLength: 1,
  maxLength: 256,
  pattern: '^[A-Za-z0-9_\\-:]+(\\.[A-Za-z0-9_\\-:]+)*$',
});
const Path = Type.String({ minLength: 1 });
const Ms = Type.Number({ minimum: 0 });
const PositiveInt = Type.Integer({ minimum: 1 });
// 0 asks the kernel for a free port (tests, several gateways on one host).
const Port = Type.Integer({ minimum: 0, maximum: 65_535 });

/** Schema of each configurable key (flag long name). */
export const CONFIG_FIELDS = {
  nats: Type.Array(NatsUrl, { minItems: 1 }),
  prefix: Prefix,
  'log-level': Type.Union(
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
  ),
  user: Type.String({ minLength: 1 }),
  password: Type.String({ minLength: 1 }),
  token: Type.String({ minLength: 1 }),
  'tls-ca': Path,
  'tls-cert': Path,
  'tls-key': Path,
  role: Type.Union(
    ['scheduler', 'batcher', 'verifier', 'drafter', 'gateway', 'echo'].map((r) => Type.Literal(r)),
  ),
  name: Token,
  pool: Token,
  'heartbeat-ms': PositiveInt,
  'window-ms': Ms,
  'max-jobs': PositiveInt,
  'max-queue': PositiveInt,
  'batch-timeout-ms': PositiveInt,
  'verify-timeout-ms': PositiveInt,
  'direct-verify': Type.Boolean(),
  'lend-slots': Type.Integer({ minimum: 0, maximum: 64 }),
  predraft: Type.Boolean(),
  port: Port,
  host: Type.String({ minLength: 1 }),
  'metrics-port': Port,
  'api-key-file': Path,
  'signing-key': Path,
  'verified-output': Type.Union([Type.Literal('reject'), Type.Literal('drop'), Type.Literal('off')]),
  'otlp-endpoint': Type.String({ pattern: '^https?://' }),
  // Names clients send as `model`: no surrounding spaces, as OpenAI model ids.
  'served-model-name': Type.Array(Type.String({ minLength: 1, maxLength: 256, pattern: '^\\S(.*\\S)?$' }), {
    minItems: 1,
  }),
  backend: Type.Union([Type.Literal('emulated'), Type.Literal('llama')]),
  model: Path,
  'draft-model': Path,
  'model-threads': PositiveInt,
  'parallel-steps': PositiveInt,
  'llama-threads': PositiveInt,
  sequences: PositiveInt,
  'context-size': PositiveInt,
  gpu: Type.Union(['false', 'auto', 'cuda', 'vulkan', 'metal'].map((g) => Type.Literal(g))),
  seed: Type.Integer(),
  agreement: Type.Number({ minimum: 0, maximum: 1 }),
  vocab: Type.Integer({ minimum: 2 }),
  'target-ttft-ms': Ms,
  'target-tpot-ms': Ms,
  'target-per-token-ms': Ms,
  'target-batching': Type.Boolean(),
  'target-per-position-ms': Ms,
  'target-knee': PositiveInt,
  'draft-ttft-ms': Ms,
  'draft-tpot-ms': Ms,
  placement: Type.Union(['adaptive', 'edge', 'fused'].map((p) => Type.Literal(p))),
  'fused-rtt-ms': Ms,
  'busy-load': Type.Number({ minimum: 0, maximum: 100 }),
  'awc-weights': Path,
  'max-sessions': Type.Integer({ minimum: 0 }),
  'listen-ms': PositiveInt,
  'warm-spare': Type.Boolean(),
  'gateway-port': Port,
} as const satisfies Record<string, TSchema>;

export type ConfigKey = keyof typeof CONFIG_FIELDS;

/** Every configurable key, in table order. */
export const CONFIG_KEYS = Object.keys(CONFIG_FIELDS) as ConfigKey[];

export function isConfigKey(key: string): key is ConfigKey {
  return Object.hasOwn(CONFIG_FIELDS, key);
}

/** A validated layer of settings (file or environment): key → value. */
export type ConfigLayer = Partial<Record<ConfigKey, unknown>>;
