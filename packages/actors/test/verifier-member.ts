/** A verifier of pool `p` as a membership view shows it: its heartbeat's load and meta. */
import { sampleBodies } from '@specmesh/protocol/internal';
import type { Member } from '@specmesh/runtime';

export const verifierMember = (
  id: string,
  load: { inflight: number; queued: number; capacity: number },
  meta: Record<string, number> = {},
): Member => ({
  id,
  role: 'verifier',
  pool: 'p',
  lastSeen: 0,
  joinedAt: 0,
  heartbeat: { ...sampleBodies().heartbeat, id, load, meta },
});
