export { chatPrompt } from './chat-template.js';
export { Gateway } from './gateway.js';
export { GatewayMetrics } from './gateway-metrics.js';
export type { GatewayConfig, GatewayOptions } from './gateway-options.js';
export { resolveGatewayOptions } from './gateway-options.js';
export type {
  ClusterMetricsConfig,
  ClusterMetricsOptions,
} from './observability/cluster-metrics.js';
export { ClusterMetrics, mergeFamilies } from './observability/cluster-metrics.js';
export type { LiveSnapshot } from './observability/live-stats.js';
export type {
  ParentContext,
  RequestSpanRecord,
  RequestSpanSink,
} from './observability/request-spans.js';
export { parentOf } from './observability/request-spans.js';
export type {
  PairHealth,
  SpeculationHealthConfig,
  SpeculationHealthOptions,
} from './observability/speculation-health.js';
export { SpeculationHealth } from './observability/speculation-health.js';
export { SpeculationMetrics } from './observability/speculation-metrics.js';
export type { RequestSummary, RequestTimeline } from './observability/timeline-store.js';
export type { TopologyInstance } from './observability/topology.js';
export type { OpenAIErrorBody } from './openai-errors.js';
export { toOpenAIError } from './openai-errors.js';
export type { ChatRequest, CompletionRequest } from './openai-schemas.js';
export { ChatRequestSchema, CompletionRequestSchema } from './openai-schemas.js';
export type { ResponsesRequest } from './responses-schemas.js';
export { ResponsesRequestSchema } from './responses-schemas.js';
export type { TokenPiece } from './token-pieces.js';
export { tokenPieces } from './token-pieces.js';
