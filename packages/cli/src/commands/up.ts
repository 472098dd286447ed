/**
 * `specmesh up`: a whole local cluster in one command. Starts an embedded nats-server, launches every
 * role as its own process under the supervisor (crashed roles restart), waits until all have joined,
 * and then either serves (gateway on `--port`, until Ctrl-C or SIGTERM, then a one-line summary) or, with `--demo`, generates the
 * same prompt in non-SI, SI and DSI and prints the text and the timing of each.
 *
 * `--json`: steps go to stderr; serving prints one JSON line once every role has joined (`event:
 * "ready"`, the gateway and NATS URLs, the processes), `--demo` one JSON object of the three runs.
 */
import type { Argv, CommandModule } from 'yargs';
import { withConnectionOptions } from '../connection-options.js';
import { type ModelArgs, withModelOptions } from '../model-options.js';
import { withJsonOption } from '../output.js';

export interface UpArgs extends ModelArgs {
  nats?: string[];
  prefix: string;
  logLevel: string;
  drafters: number;
  lendSlots: number;
  verifiers: number;
  batchers: number;
  schedulers: number;
  /** Port of the gateway's API; `--gateway-port` is another name for it. */
  port: number;
  apiKeyFile?: string;
  otlpEndpoint?: string;
  servedModelName?: string[];
  demo: boolean;
  prompt: string;
  maxTokens: number;
  k: number;
  json: boolean;
}

export const upCommand: CommandModule<object, UpArgs> = {
  command: 'up',
  describe: 'Start a whole local cluster (embedded nats-server and every role as a process)',
  builder: (y: Argv) =>
    withJsonOption(
      withModelOptions(withConnectionOptions(y)),
      'a "ready" line with the gateway and NATS URLs (with --demo: the runs)',
    )
      .option('drafters', { type: 'number', default: 1, describe: 'Drafter processes' })
      .option('lend-slots', {
        type: 'number',
        default: 0,
        describe:
          "Pre-drafting (SSD-DSI): each drafter lends this many requests at once to other drafters' sessions while it hosts none, and its sessions pre-draft on the others (with --drafters 2 or more)",
      })
      .option('verifiers', { type: 'number', default: 3, describe: 'Verifier (target) processes' })
      .option('batchers', { type: 'number', default: 1, describe: 'Batcher processes' })
      .option('schedulers', { type: 'number', default: 1, describe: 'Scheduler processes' })
      .option('port', {
        alias: 'gateway-port',
        type: 'number',
        default: 8080,
        describe:
          'HTTP port of the OpenAI-compatible API (the gateway), as `node --port` (env SPECMESH_PORT; file key port or gateway-port)',
      })
      .option('api-key-file', {
        type: 'string',
        describe:
          'File of API keys, one per line, that the gateway requires as `Authorization: Bearer <key>` (env SPECMESH_API_KEY_FILE)',
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
      .option('demo', {
        type: 'boolean',
        default: false,
        describe: 'Generate in every mode, print figures, stop',
      })
      .option('prompt', { type: 'string', default: 'The cluster speaks', describe: 'Prompt of the demo' })
      .option('max-tokens', { type: 'number', default: 48, describe: 'Tokens per demo generation' })
      .option('k', { type: 'number', default: 5, describe: 'Draft window of the demo' })
      .example('$0 up --demo', 'generate in non-SI, SI and DSI and compare')
      .example(
        '$0 up --demo --backend llama',
        'the same on real GGUF models (a synthetic pair is made and cached)',
      )
      .example('$0 up --verifiers 7 --port 9000', 'serve with seven targets') as unknown as Argv<UpArgs>,
  handler: async (args) => (await import('../run/up.js')).runUp(args),
};
