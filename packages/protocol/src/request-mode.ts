/**
 * The speculation modes a user names (CLI `--mode`, the gateway's `specmesh.mode`, `generate()`), and
 * how each travels on the wire: `auto` is not a fourth wire mode but `mode: 'dsi'` (the most it may
 * use) with `auto: true`, so a peer that predates it still runs the request, as DSI.
 */
import type { Mode } from './messages/common.js';

/** `nonsi`, `si`, `dsi`, or `auto` (chosen per round from the cluster's load). */
export type RequestMode = Mode | 'auto';

export const REQUEST_MODES: readonly RequestMode[] = ['auto', 'nonsi', 'si', 'dsi'];

/** The `mode` / `auto` fields of a `submit` for a user's mode. */
export function modeFields(mode: RequestMode): { mode: Mode; auto?: true } {
  return mode === 'auto' ? { mode: 'dsi', auto: true } : { mode };
}

/** The user's mode a `submit` asks for (the inverse of {@link modeFields}). */
export function requestModeOf(fields: { readonly mode: Mode; readonly auto?: boolean }): RequestMode {
  return fields.auto === true && fields.mode !== 'nonsi' ? 'auto' : fields.mode;
}
