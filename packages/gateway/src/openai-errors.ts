/**
 * specmesh errors in OpenAI's error shape, with the HTTP status clients expect:
 * 400 bad request, 429 overloaded, 503 no capacity, 504 deadline, 500 anything else; and the
 * gateway's own refusals (unknown model or route, wrong method) in the same shape.
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
  // The cluster's output failed its check: an upstream (a drafter) misbehaved, as a proxy's 502 says.
  [ErrorCode.Unverified]: [502, 'server_error'],
};

export function toOpenAIError(err: unknown): { status: number; body: OpenAIErrorBody } {
  const e = asSpecmeshError(err);
  const [status, type] = STATUS[e.code] ?? [500, 'server_error'];
  // A request error names the field it is about where the code knows it.
  const param = typeof e.context['param'] === 'string' ? e.context['param'] : null;
  return { status, body: { error: { message: e.message, type, param, code: e.code } } };
}

/** A 400 for a request body that failed validation, naming the field. */
export function invalidRequest(message: string, param: string | null): OpenAIErrorBody {
  return { error: { message, type: 'invalid_request_error', param, code: ErrorCode.Schema } };
}

/** A 404 for a model the gateway does not serve, with OpenAI's code. */
export function modelNotFound(model: string): OpenAIErrorBody {
  return {
    error: {
      message: `The model \`${model}\` does not exist or you do not have access to it.`,
      type: 'invalid_request_error',
      param: 'model',
      code: 'model_not_found',
    },
  };
}

/** A 404 for a path the gateway does not serve. */
export function routeNotFound(method: string, path: string): OpenAIErrorBody {
  return {
    error: {
      message: `No route for ${method} ${path}.`,
      type: 'invalid_request_error',
      param: null,
      code: 'not_found',
    },
  };
}

/** A 405 for a served path asked with a method it does not take. */
export function methodNotAllowed(method: string, path: string, allowed: readonly string[]): OpenAIErrorBody {
  return {
    error: {
      message: `${path} does not take ${method}; use ${allowed.join(' or ')}.`,
      type: 'invalid_request_error',
      param: null,
      code: 'method_not_allowed',
    },
  };
}

/**
 * The status a request is counted with when its client went away before the response was complete
 * (nginx's "client closed request"): neither a success nor a server error.
 */
export const CLIENT_CLOSED_STATUS = 499;
