import { createServer } from 'node:net';

/**
 * Asks the kernel for a free TCP port on `host`. The port is released before returning, so another
 * process could take it first; callers that bind it retry on `EADDRINUSE`.
 */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, host, () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}
