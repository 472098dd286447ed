/**
 * llama-server's per-request speculation fields, mapped onto specmesh's draft window. llama-server
 * reads `speculative.n_max` (most draft tokens per round), `speculative.n_min` (fewest) and
 * `speculative.p_min` (draft confidence cut-off) as flat dotted keys; a nested `speculative` object
 * with the same fields is accepted too.
 *
 * - `n_max` becomes the window `k` (clamped to 1 … 64) unless `specmesh.k` names one; `n_max: 0`
 *   turns speculation off (mode `nonsi`) unless `specmesh.mode` names a mode.
 * - `n_min` is a floor: the window is raised to it, so the `static` policy drafts at least `n_min`
 *   tokens a round. Adaptive policies (`backoff`, `threshold`, `bandit`, `awc`) choose each round's
 *   window themselves and do not read a floor; for them `n_min` only raises the starting window.
 *   An `n_min` above `n_max` or above `specmesh.k` is refused.
 * - `p_min` is accepted and ignored: drafters here propose a fixed window, not a confidence-cut one.
 *
 * @example
 *   draftWindow({ k: undefined }, { n_max: 8, n_min: 2 }, 5) // → { k: 8 }
 *   draftWindow({}, { n_max: 0 }, 5) // → { k: 5, mode: 'nonsi' }
 */
import { invalidRequest, type OpenAIErrorBody } from './openai-errors.js';

/** Largest window the protocol carries. */
const MAX_K = 64;

export interface SpeculativeFields {
  readonly n_max?: number | undefined;
  readonly n_min?: number | undefined;
  readonly p_min?: number | undefined;
}

/** The request fields this reads: the nested object and llama-server's flat dotted keys. */
export interface SpeculativeRequestFields {
  readonly speculative?: SpeculativeFields | null | undefined;
  readonly 'speculative.n_max'?: number | undefined;
  readonly 'speculative.n_min'?: number | undefined;
  readonly 'speculative.p_min'?: number | undefined;
}

/** The speculation fields of a request (dotted keys win over the nested object), or undefined. */
export function speculativeOf(body: SpeculativeRequestFields): SpeculativeFields | undefined {
  const nested = body.speculative ?? {};
  const s: SpeculativeFields = {
    n_max: body['speculative.n_max'] ?? nested.n_max,
    n_min: body['speculative.n_min'] ?? nested.n_min,
    p_min: body['speculative.p_min'] ?? nested.p_min,
  };
  return s.n_max === undefined && s.n_min === undefined && s.p_min === undefined ? undefined : s;
}

/** The window (and, for `n_max: 0`, the mode) a request asks for, or a 400 naming the field. */
export function draftWindow(
  ext: { readonly k?: number | undefined; readonly mode?: string | undefined },
  spec: SpeculativeFields | undefined,
  defaultK: number,
): { k: number; mode?: 'nonsi' } | { error: OpenAIErrorBody } {
  const nMax = spec?.n_max;
  const nMin = spec?.n_min;
  if (nMin !== undefined && nMax !== undefined && nMin > nMax) {
    return {
      error: invalidRequest(
        `speculative.n_min (${nMin}) is larger than speculative.n_max (${nMax})`,
        'speculative.n_min',
      ),
    };
  }
  if (nMin !== undefined && ext.k !== undefined && nMin > ext.k) {
    return {
      error: invalidRequest(
        `speculative.n_min (${nMin}) is larger than the draft window specmesh.k (${ext.k})`,
        'speculative.n_min',
      ),
    };
  }
  const off = nMax === 0 && ext.mode === undefined;
  const base = ext.k ?? (nMax !== undefined && nMax > 0 ? Math.min(nMax, MAX_K) : defaultK);
  const k = Math.min(Math.max(base, nMin ?? 1), MAX_K);
  return off ? { k, mode: 'nonsi' } : { k };
}
