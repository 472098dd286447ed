/** Options of the gateway, resolved and validated once. */
import type { VerifiedOutputMode } from '@specmesh/actors';
import { ConfigError, REQUEST_MODES, type RequestMode } from '@specmesh/protocol';
import type { ActorOptions } from '@specmesh/runtime';
import { ApiKeySet, readApiKeyFile } from './api-keys.js';
import type { ClusterMetricsConfig, ClusterMetricsOptions } from './observability/cluster-metrics.js';
import type {
  SpeculationHealthConfig,
  SpeculationHealthOptions,
} from './observability/speculation-health.js';
import { MAX_CHOICES_SCHEMA } from './openai-schemas.js';

export interface GatewayOptions extends Omit<ActorOptions, 'role'> {
  /** HTTP port; 0 picks a free one. Defaults to 8080. */
  port?: number;
  /** HTTP bind address. Defaults to `127.0.0.1`. */
  host?: string;
  /**
   * The model name served, when there is one: a shorthand for `servedModelNames: [modelName]`.
   * Defaults to `specmesh`.
   */
  modelName?: string;
  /**
   * Model names the gateway answers to (`/v1/models` lists them); a request naming any other model
   * is refused with 404 `model_not_found`. Defaults to `[modelName]`.
   */
  servedModelNames?: readonly string[];
  /** Most choices (`n`) one request may ask for; each runs as its own session. Defaults to 8. */
  maxChoices?: number;
  /**
   * Speculation mode when the request names none: `auto` chooses non-SI, SI or DSI per round from the
   * cluster's load. Defaults to `auto`.
   */
  defaultMode?: RequestMode;
  /** Draft window `k` when the request names none. Defaults to 5. */
  defaultK?: number;
  /** Window policy when the request names none. Defaults to `static`. */
  defaultWindowPolicy?: string;
  /** `max_tokens` when the request gives none. Defaults to 256. */
  defaultMaxTokens?: number;
  /** Deadline of a whole generation, ms. Defaults to 120000. */
  requestTimeoutMs?: number;
  /**
   * How long a request keeps trying while no scheduler can be reached (a restart), before it is
   * answered 503, ms. Defaults to 30000.
   */
  submitRetryWindowMs?: number;
  /** Largest request body, bytes. Defaults to 1 MiB. */
  bodyLimitBytes?: number;
  /**
   * Stream one token per SSE event (even cadence for clients that count events), unless a request
   * says otherwise with `specmesh.per_token_chunks`. Defaults to false: one event per committed chunk.
   */
  perTokenChunks?: boolean;
  /** Finished requests whose speculation timeline is kept for `/specmesh/requests`. Defaults to 256. */
  timelineCapacity?: number;
  /** When a drafter-target pair is flagged as no longer paying. Defaults to the fields' defaults. */
  speculationHealth?: SpeculationHealthOptions;
  /**
   * File of accepted API keys, one per line (`#` comments and blank lines skipped). When given (or
   * with {@link apiKeys}), every route but `/health`, `/ready` and the dashboard's static files
   * requires `Authorization: Bearer <key>` and answers 401 `invalid_api_key` otherwise. Defaults to
   * none: no key required.
   */
  apiKeyFile?: string;
  /** Accepted API keys given directly (embedding programs, tests); added to the file's. Defaults to none. */
  apiKeys?: readonly string[];
  /**
   * How `/metrics` gathers every instance's metrics over NATS (see {@link ClusterMetricsOptions}), or
   * `false` to serve only the gateway's own. Defaults to the fields' defaults.
   */
  clusterMetrics?: ClusterMetricsOptions | false;
  /**
   * Export each request as OpenTelemetry spans (the request, and its draft and verify rounds) over
   * OTLP/HTTP (JSON) to this URL. A URL without a path gets the standard `/v1/traces`. When not
   * given, `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` (as is) or `OTEL_EXPORTER_OTLP_ENDPOINT` (plus
   * `/v1/traces`) is used; `OTEL_SDK_DISABLED=true` turns export off. Defaults to none: no export,
   * and the OpenTelemetry SDK is not even loaded.
   */
  otlpEndpoint?: string;
  /**
   * What happens to output tokens no target verified (a drafter that injected or altered them, see
   * @specmesh/actors' verified-output.ts): `reject` fails the request with `E_UNVERIFIED`, `drop`
   * leaves them out and goes on, `off` does not check (a cluster whose verifiers or drafters are
   * older than protocol 1.5, or whose verifiers were started without signing). Each refusal is
   * counted and logged with the drafter's id. Defaults to `reject`.
   */
  verifiedOutput?: VerifiedOutputMode;
}

export interface GatewayConfig {
  readonly port: number;
  readonly host: string;
  /** The first served model name. */
  readonly modelName: string;
  /** Every served model name, in the order given. */
  readonly servedModelNames: readonly string[];
  readonly maxChoices: number;
  readonly defaultMode: RequestMode;
  readonly defaultK: number;
  readonly defaultWindowPolicy: string;
  readonly defaultMaxTokens: number;
  readonly requestTimeoutMs: number;
  readonly submitRetryWindowMs: number;
  readonly bodyLimitBytes: number;
  readonly perTokenChunks: boolean;
  readonly timelineCapacity: number;
  readonly speculationHealth: SpeculationHealthConfig;
  /** Accepted API keys (digests only), or undefined when the gateway is open. */
  readonly apiKeys: ApiKeySet | undefined;
  /** How the cluster's metrics are gathered, or undefined when `/metrics` shows the gateway's only. */
  readonly clusterMetrics: ClusterMetricsConfig | undefined;
  /** OTLP/HTTP traces URL spans are exported to, or undefined when export is off. */
  readonly otlpTracesUrl: string | undefined;
  /** `service.name` of the exported spans (`OTEL_SERVICE_NAME`, else `specmesh-gateway`). */
  readonly otlpServiceName: string;
  /** What happens to output tokens no target verified. */
  readonly verifiedOutput: VerifiedOutputMode;
}

/** The keys of the file and the list together, or undefined when neither is given. */
function resolveApiKeys(o: GatewayOptions): ApiKeySet | undefined {
  if (o.apiKeyFile === undefined && o.apiKeys === undefined) return undefined;
  const keys = [...(o.apiKeyFile === undefined ? [] : readApiKeyFile(o.apiKeyFile)), ...(o.apiKeys ?? [])];
  return new ApiKeySet(keys, o.apiKeyFile ? `--api-key-file ${o.apiKeyFile}` : 'gateway option apiKeys');
}

/** The traces URL from the option or the standard OpenTelemetry variables; undefined when off. */
function resolveOtlpUrl(o: GatewayOptions, env: NodeJS.ProcessEnv): string | undefined {
  const withPath = (base: string) => {
    let url: URL;
    try {
      url = new URL(base);
    } catch {
      return base; // refused below with the option's name
    }
    return url.pathname === '/' || url.pathname === '' ? `${base.replace(/\/+$/, '')}/v1/traces` : base;
  };
  if (o.otlpEndpoint !== undefined) return withPath(o.otlpEndpoint);
  if (env['OTEL_SDK_DISABLED']?.trim().toLowerCase() === 'true') return undefined;
  const traces = env['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT']?.trim();
  if (traces) return traces;
  const base = env['OTEL_EXPORTER_OTLP_ENDPOINT']?.trim();
  return base ? `${base.replace(/\/+$/, '')}/v1/traces` : undefined;
}

/**
 * Merges defaults into `o` and validates every value.
 *
 * @param env where the standard `OTEL_*` variables are read. Defaults to `process.env`.
 */
export function resolveGatewayOptions(
  o: GatewayOptions,
  env: NodeJS.ProcessEnv = process.env,
): GatewayConfig {
  const servedModelNames = Object.freeze([...(o.servedModelNames ?? [o.modelName ?? 'specmesh'])]);
  const c: GatewayConfig = {
    port: o.port ?? 8080,
    host: o.host ?? '127.0.0.1',
    modelName: servedModelNames[0] ?? '',
    servedModelNames,
    maxChoices: o.maxChoices ?? 8,
    defaultMode: o.defaultMode ?? 'auto',
    defaultK: o.defaultK ?? 5,
    defaultWindowPolicy: o.defaultWindowPolicy ?? 'static',
    defaultMaxTokens: o.defaultMaxTokens ?? 256,
    requestTimeoutMs: o.requestTimeoutMs ?? 120_000,
    submitRetryWindowMs: o.submitRetryWindowMs ?? 30_000,
    bodyLimitBytes: o.bodyLimitBytes ?? 1024 * 1024,
    perTokenChunks: o.perTokenChunks ?? false,
    timelineCapacity: o.timelineCapacity ?? 256,
    speculationHealth: Object.freeze({
      minAcceptance: o.speculationHealth?.minAcceptance ?? 0.3,
      minTokensPerRound: o.speculationHealth?.minTokensPerRound ?? 1.2,
      window: o.speculationHealth?.window ?? 64,
      minRounds: o.speculationHealth?.minRounds ?? 16,
    }),
    apiKeys: resolveApiKeys(o),
    clusterMetrics:
      o.clusterMetrics === false
        ? undefined
        : Object.freeze({
            windowMs: o.clusterMetrics?.windowMs ?? 300,
            maxReplies: o.clusterMetrics?.maxReplies ?? 512,
            cacheMs: o.clusterMetrics?.cacheMs ?? 1000,
          }),
    otlpTracesUrl: resolveOtlpUrl(o, env),
    otlpServiceName: env['OTEL_SERVICE_NAME']?.trim() || 'specmesh-gateway',
    verifiedOutput: o.verifiedOutput ?? 'reject',
  };
  const bad = (name: string, v: unknown) => {
    throw new ConfigError(`gateway option ${name} is invalid: ${String(v)}`, { context: { option: name } });
  };
  if (!Number.isInteger(c.port) || c.port < 0 || c.port > 65_535) bad('port', c.port);
  if (!['reject', 'drop', 'off'].includes(c.verifiedOutput)) bad('verifiedOutput', c.verifiedOutput);
  if (servedModelNames.length === 0) bad('servedModelNames', '(none)');
  for (const name of servedModelNames) {
    if (typeof name !== 'string' || name.trim() !== name || name.length < 1 || name.length > 256) {
      bad('servedModelNames', JSON.stringify(name));
    }
  }
  if (new Set(servedModelNames).size !== servedModelNames.length) {
    bad('servedModelNames (a name given twice)', servedModelNames.join(', '));
  }
  if (!Number.isInteger(c.maxChoices) || c.maxChoices < 1 || c.maxChoices > MAX_CHOICES_SCHEMA) {
    bad('maxChoices', c.maxChoices);
  }
  if (!REQUEST_MODES.includes(c.defaultMode)) bad('defaultMode', c.defaultMode);
  if (!Number.isInteger(c.defaultK) || c.defaultK < 1 || c.defaultK > 64) bad('defaultK', c.defaultK);
  if (!Number.isInteger(c.defaultMaxTokens) || c.defaultMaxTokens < 1)
    bad('defaultMaxTokens', c.defaultMaxTokens);
  if (!(c.requestTimeoutMs > 0)) bad('requestTimeoutMs', c.requestTimeoutMs);
  if (!(c.submitRetryWindowMs >= 0)) bad('submitRetryWindowMs', c.submitRetryWindowMs);
  if (!Number.isInteger(c.bodyLimitBytes) || c.bodyLimitBytes < 1024) bad('bodyLimitBytes', c.bodyLimitBytes);
  if (!Number.isInteger(c.timelineCapacity) || c.timelineCapacity < 0)
    bad('timelineCapacity', c.timelineCapacity);
  const h = c.speculationHealth;
  if (!(h.minAcceptance >= 0 && h.minAcceptance <= 1))
    bad('speculationHealth.minAcceptance', h.minAcceptance);
  if (!(h.minTokensPerRound >= 0)) bad('speculationHealth.minTokensPerRound', h.minTokensPerRound);
  if (!Number.isInteger(h.window) || h.window < 1) bad('speculationHealth.window', h.window);
  if (!Number.isInteger(h.minRounds) || h.minRounds < 1 || h.minRounds > h.window)
    bad('speculationHealth.minRounds', h.minRounds);
  const m = c.clusterMetrics;
  if (m) {
    if (!(m.windowMs >= 1 && m.windowMs <= 60_000)) bad('clusterMetrics.windowMs', m.windowMs);
    if (!Number.isInteger(m.maxReplies) || m.maxReplies < 1) bad('clusterMetrics.maxReplies', m.maxReplies);
    if (!(m.cacheMs >= 0)) bad('clusterMetrics.cacheMs', m.cacheMs);
  }
  if (c.otlpTracesUrl !== undefined) {
    let ok = false;
    try {
      ok = ['http:', 'https:'].includes(new URL(c.otlpTracesUrl).protocol);
    } catch {
      ok = false;
    }
    if (!ok) bad('otlpEndpoint (or OTEL_EXPORTER_OTLP_[TRACES_]ENDPOINT)', c.otlpTracesUrl);
  }
  return Object.freeze(c);
}
