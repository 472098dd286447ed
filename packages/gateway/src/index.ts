export { chatPrompt } from './chat-template.js';
export { Gateway } from './gateway.js';
export { GatewayMetrics } from './gateway-metrics.js';
export type { GatewayConfig, GatewayOptions } from './gateway-options.js';
export { resolveGatewayOptions } from './gateway-options.js';
export type { OpenAIErrorBody } from './openai-errors.js';
export { toOpenAIError } from './openai-errors.js';
export type { ChatRequest, CompletionRequest } from './openai-schemas.js';
export { ChatRequestSchema, CompletionRequestSchema } from './openai-schemas.js';
