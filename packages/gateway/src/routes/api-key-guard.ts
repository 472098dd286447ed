/**
 * Requires `Authorization: Bearer <key>` on every route but the open ones, when the gateway has API
 * keys. Closed by default: a route added later is protected unless it is listed here as open.
 *
 * Open: `/health` and `/ready` (probes of load balancers and orchestrators carry no key) and the
 * dashboard's static files (no data; the page asks for the key and sends it with its JSON requests).
 * Everything else, `/v1/*`, `/specmesh/*` and `/metrics` included, answers 401 without a valid key,
 * in OpenAI's error shape so OpenAI clients report it as an authentication error.
 */
import type { FastifyInstance } from 'fastify';
import type { ApiKeySet } from '../api-keys.js';
import type { OpenAIErrorBody } from '../openai-errors.js';

const OPEN_PATHS: ReadonlySet<string> = new Set([
  '/health',
  '/ready',
  '/dashboard',
  '/dashboard/dashboard.js',
  '/dashboard/chart.umd.min.js',
]);

/** True when `url` (path and query) may be served without a key. */
export function isOpenPath(url: string): boolean {
  const q = url.indexOf('?');
  return OPEN_PATHS.has(q < 0 ? url : url.slice(0, q));
}

function unauthorized(provided: boolean): OpenAIErrorBody {
  return {
    error: {
      message: provided
        ? 'Incorrect API key provided.'
        : 'No API key provided: send it as `Authorization: Bearer <key>`.',
      type: 'invalid_request_error',
      param: null,
      code: 'invalid_api_key',
    },
  };
}

/** Installs the check as the first hook of every request. */
export function requireApiKey(app: FastifyInstance, keys: ApiKeySet): void {
  app.addHook('onRequest', async (req, reply) => {
    if (isOpenPath(req.url)) return;
    const header = req.headers.authorization;
    if (keys.acceptsHeader(header)) return;
    return reply
      .code(401)
      .header('www-authenticate', 'Bearer realm="specmesh"')
      .send(unauthorized(header !== undefined));
  });
}
