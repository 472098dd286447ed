/**
 * `specmesh node --role <role>`: run this process as one actor of the cluster, on any machine that
 * reaches the NATS servers. Drains on SIGTERM / SIGINT. Once started it prints `ready <id> [<url>]`
 * (and `metrics <url>` before it with `--metrics-port`); with `--json` one JSON line instead, e.g.
 * `{"event":"ready","id":"gateway-1","role":"gateway","url":"http://127.0.0.1:8080"}`.
 */
import type { Argv, CommandModule } from 'yargs';
import { type ConnectionArgs, withConnectionOptions } from '../connection-options.js';
import { type ModelArgs, withModelOptions } from '../model-options.js';
import { withJsonOption } from '../output.js';

export interface NodeArgs extends ModelArgs, ConnectionArgs {
  role: string;
  name?: string;
  heartbeatMs: number;
  pool: string;
  windowMs: number;
  maxJobs: number;
  maxQueue: number;
  targetOnlyFallback: boolean;
  hostSessions: number;
  maxSessions: number;
  directVerify: boolean;
  lendSlots: number;
  predraft: boolean;
  placement: 'adaptive' | 'edge' | 'fused';
  fusedRttMs: number;
  busyLoad: number;
  awcWeights?: string;
  fused: boolean;
  batchTimeoutMs: number;
  verifyTimeoutMs: number;
  port: number;
  host: string;
  metricsPort?: number;
  apiKeyFile?: string;
  signingKey?: string;
  verifiedOutput: 'reject' | 'drop' | 'off';
  otlpEndpoint?: string;
  servedModelName?: string[];
  supervise: boolean;
  warmSpare: boolean;
  json: boolean;
}

export const nodeCommand: CommandModule<object, NodeArgs> = {
  command: 'node',
  describe: 'Run one actor of the cluster in this process',
  builder: (y: Argv) =>
    withJsonOption(withModelOptions(withConnectionOptions(y)), 'the "ready" line')
      .option('role', {
        type: 'string',
        choices: ['scheduler', 'batcher', 'verifier', 'drafter', 'gateway', 'echo'],
        demandOption: 'give --role (or SPECMESH_ROLE, or role: in specmesh.yaml)',
        describe: 'Role this process plays (env SPECMESH_ROLE)',
      })
      .option('pool', {
        type: 'string',
        default: 'default',
        describe:
          'Target pool (batcher, verifier); a batcher serves the verifiers of its pool (env SPECMESH_POOL)',
      })
      .option('window-ms', { type: 'number', default: 0.3, describe: 'Batching window, ms (batcher)' })
      .option('max-jobs', { type: 'number', default: 12, describe: 'Most verify tasks per batch (batcher)' })
      .option('batch-timeout-ms', {
        type: 'number',
        default: 10_000,
        describe: 'Deadline of a batch at a verifier before its tasks go elsewhere, ms (batcher)',
      })
      .option('verify-timeout-ms', {
        type: 'number',
        default: 10_000,
        describe:
          'Deadline of a verification before the session re-issues it, ms (drafter; verifier for target-only sessions)',
      })
      .option('max-sessions', {
        type: 'number',
        default: 16,
        describe:
          'Sessions a drafter holds at once; 0 with --lend-slots: a drafter that only lends (drafter)',
      })
      .option('direct-verify', {
        type: 'boolean',
        default: true,
        describe:
          "Send a session's sequential tasks straight to the verifier holding its context while it has room, and to a verifier of the session's choosing while the batcher does not answer (drafter; --no-direct-verify sends every task through the batcher)",
      })
      .option('lend-slots', {
        type: 'number',
        default: 0,
        describe:
          "Pre-draft requests of other drafters' sessions run at once while this drafter hosts none of its own (SSD-DSI; keep it at or below --parallel-steps); 0 lends nothing (drafter)",
      })
      .option('predraft', {
        type: 'boolean',
        default: false,
        describe:
          "Have sessions' likely rejections pre-drafted on drafters that lend (--lend-slots); it follows every drafter's heartbeats to find them (drafter)",
      })
      .option('host-sessions', {
        type: 'number',
        default: 16,
        describe:
          'Target-only sessions a verifier hosts while no drafter is alive; 0 turns that off (verifier)',
      })
      .option('placement', {
        type: 'string',
        choices: ['adaptive', 'edge', 'fused'],
        default: 'adaptive',
        describe:
          'Where sessions run: edge drafters, fused on verifiers started with --fused, or adaptive by measured edge RTT and pool load (scheduler)',
      })
      .option('fused-rtt-ms', {
        type: 'number',
        default: 8,
        describe: 'Edge round trip from which adaptive placement prefers fused, ms (scheduler)',
      })
      .option('busy-load', {
        type: 'number',
        default: 0.75,
        describe:
          'Pool load (work over capacity) from which adaptive placement counts the cloud busy (scheduler)',
      })
      .option('awc-weights', {
        type: 'string',
        describe:
          'WC-DNN weights (JSON, e.g. from specmesh awc train) for requests with the awc window policy; defaults to the shipped ones (scheduler, drafter, verifier)',
      })
      .option('fused', {
        type: 'boolean',
        default: false,
        describe:
          'Also load the draft model (--draft-model, or the emulated drafter) and run sessions fused here (verifier)',
      })
      .option('target-only-fallback', {
        type: 'boolean',
        default: true,
        describe:
          'With no drafter alive, serve requests target-only on verifiers instead of waiting (scheduler; --no-target-only-fallback to wait)',
      })
      .option('port', {
        type: 'number',
        default: 8080,
        describe: 'HTTP port of the OpenAI-compatible API (gateway)',
      })
      .option('host', {
        type: 'string',
        default: '127.0.0.1',
        describe: 'HTTP bind address (gateway API, --metrics-port)',
      })
      .option('metrics-port', {
        type: 'number',
        describe:
          'Serve this process’s Prometheus metrics on http://<host>:<port>/metrics (0 picks a free port; printed as `metrics <url>`). Off by default; the gateway serves /metrics on --port anyway (env SPECMESH_METRICS_PORT)',
      })
      .option('signing-key', {
        type: 'string',
        describe:
          'PEM file of the Ed25519 private key with which the verifier signs the tokens it verifies (openssl genpkey -algorithm ed25519); a fresh key per start when not given (env SPECMESH_SIGNING_KEY) (verifier)',
      })
      .option('verified-output', {
        type: 'string',
        choices: ['reject', 'drop', 'off'],
        default: 'reject',
        describe:
          'Output tokens no verifier signed: fail the request (E_UNVERIFIED), drop them, or do not check (verifiers older than protocol 1.5) (env SPECMESH_VERIFIED_OUTPUT) (gateway)',
      })
      .option('api-key-file', {
        type: 'string',
        describe:
          'File of API keys, one per line: the gateway then requires `Authorization: Bearer <key>` on /v1/*, /specmesh/* and /metrics (env SPECMESH_API_KEY_FILE). Keys never go on the command line',
      })
      .option('otlp-endpoint', {
        type: 'string',
        describe:
          'Export each request as OpenTelemetry spans to this OTLP/HTTP traces URL (gateway; a URL without a path gets /v1/traces). Defaults to OTEL_EXPORTER_OTLP_[TRACES_]ENDPOINT, else off (env SPECMESH_OTLP_ENDPOINT)',
      })
      .option('served-model-name', {
        type: 'string',
        array: true,
        describe:
          'Model name the OpenAI-compatible API answers to and lists on /v1/models; repeat for several. A request naming another model gets 404 model_not_found (gateway; env SPECMESH_SERVED_MODEL_NAME, comma-separated; file key served-model-name). Defaults to specmesh',
      })
      .option('max-queue', {
        type: 'number',
        default: 256,
        describe: 'Requests that may wait for a drafter (scheduler)',
      })
      .option('name', {
        type: 'string',
        describe:
          'Instance id, unique in the cluster; `specmesh status` lists it and `specmesh drain` takes it (env SPECMESH_NAME). Defaults to <role>-<random>',
      })
      .option('heartbeat-ms', {
        type: 'number',
        default: 1000,
        describe:
          'Heartbeat interval, ms; an instance is dropped from membership after 3 missed beats (env SPECMESH_HEARTBEAT_MS)',
      })
      .option('supervise', {
        type: 'boolean',
        default: false,
        describe:
          'Run the role in a child process and restart it when it crashes, with back-off (not after a configuration error); for machines without systemd or Kubernetes',
      })
      .option('warm-spare', {
        type: 'boolean',
        default: true,
        describe:
          'With --supervise: keep a second process of the role loaded and waiting (not connected, no model; about 75 MB), which takes over at once when the node crashes, so a restart skips starting Node and loading the code (--no-warm-spare: restart from scratch)',
      })
      .example('$0 node --role scheduler --nats nats://10.0.0.5:4222', 'a scheduler against a remote cluster')
      .example('$0 node --role batcher --pool gpu-a --nats nats://10.0.0.5:4222', 'a batcher for pool gpu-a')
      .example(
        '$0 node --role verifier --name verifier-1 --nats nats://a:4222,nats://b:4222 --user verifier --password $PW',
        'a verifier with its NATS user, against a 2-server cluster',
      )
      .example(
        '$0 node --config /etc/specmesh/verifier.yaml',
        'every setting from a file (see docs/deploy.md)',
      ) as unknown as Argv<NodeArgs>,
  handler: async (args) =>
    args.supervise
      ? (await import('../run/node-supervised.js')).runSupervised(args)
      : (await import('../run/node.js')).runNode(args),
};
