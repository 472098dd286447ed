/**
 * specmesh errors in OpenAI's error shape, with the HTTP status clients expect:
 * 400 bad request, 429 overloaded, 503 no capacity, 504 deadline, 500 anything else.
 */
import { asSpecmeshError, ErrorCode } from '@specmesh/protocol';

export interface OpenAIErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

const STATUS: Partial<Record<string, [number, string]>> = {
  [ErrorCode.Schema]: [400, 'invalid_request_error'],
  [ErrorCode.Config]: [400, 'invalid_request_error'],
  [ErrorCode.TooLarge]: [400, 'invalid_request_error'],
  [ErrorCode.TokenOutOfRange]: [400, 'invalid_request_error'],
  [ErrorCode.Overloaded]: [429, 'rate_limit_error'],
  [ErrorCode.NoCapacity]: [503, 'service_unavailable'],
  [ErrorCode.NoResponders]: [503, 'service_unavailable'],
  [ErrorCode.Draining]: [503, 'service_unavailable'],
  [ErrorCode.Connection]: [503, 'service_unavailable'],
  [ErrorCode.Deadline]: [504, 'timeout'],
};

export function toOpenAIError(err: unknown): { status: number; body: OpenAIErrorBody } {
  const e = asSpecmeshError(err);
  const [status, type] = STATUS[e.code] ?? [500, 'server_error'];
  return { status, body: { error: { message: e.message, type, param: null, code: e.code } } };
}

/** A 400 for a request body that failed validation, naming the field. */
export function invalidRequest(message: string, param: string | null): OpenAIErrorBody {
  return { error: { message, type: 'invalid_request_error', param, code: ErrorCode.Schema } };
}
