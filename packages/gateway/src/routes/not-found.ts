/**
 * Answers for requests no route takes, in OpenAI's error shape: 405 (with `Allow`) for a served path
 * asked with another method, 404 otherwise. Fastify itself answers both with its own 404 body.
 */
import type { FastifyInstance } from 'fastify';
import { methodNotAllowed, routeNotFound } from '../openai-errors.js';

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

export function registerNotFound(app: FastifyInstance): void {
  app.setNotFoundHandler((req, reply) => {
    const q = req.url.indexOf('?');
    const path = q < 0 ? req.url : req.url.slice(0, q);
    const allowed = METHODS.filter((method) => method !== req.method && app.findRoute({ method, url: path }));
    if (allowed.length > 0) {
      return reply
        .code(405)
        .header('allow', allowed.join(', '))
        .send(methodNotAllowed(req.method, path, allowed));
    }
    return reply.code(404).send(routeNotFound(req.method, path));
  });
}
