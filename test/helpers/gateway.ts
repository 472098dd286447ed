import { machineLoadFactor } from '@specmesh/runtime';

/** Waits until a gateway answers `/ready` with 200 (NATS up and a scheduler heard). */
export async function waitGatewayReady(url: string, timeoutMs = 5000 * machineLoadFactor()): Promise<void> {
  const until = Date.now() + timeoutMs;
  while ((await fetch(`${url}/ready`)).status !== 200) {
    if (Date.now() > until) throw new Error('gateway never ready');
    await new Promise((r) => setTimeout(r, 20));
  }
}
