/**
 * Reading WC-DNN weights files. The one place in core that touches the file system: a package asset
 * (the weights trained on the DSD scenario, `weights/awc-dsd-v1.json` beside `dist/`) or a file the
 * user names, read synchronously once when a policy is built, never while deciding.
 *
 * @example
 *   createAwcPolicy({ weights: loadAwcWeights() })            // the shipped weights
 *   createAwcPolicy({ weights: loadAwcWeights('my.json') })   // weights from `specmesh awc train`
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '@specmesh/protocol';
import { type AwcWeights, validateAwcWeights } from './awc-mlp.js';

/** Path of the weights shipped with @specmesh/core (from src/awc/ and dist/awc/ alike). */
export const SHIPPED_AWC_WEIGHTS: string = fileURLToPath(
  new URL('../../weights/awc-dsd-v1.json', import.meta.url),
);

// Policies are built per session: the shipped file (an immutable package asset) is parsed once.
let shipped: AwcWeights | undefined;

/**
 * Reads and validates a weights file. Defaults to the shipped weights. Throws ConfigError when the
 * file cannot be read, is not JSON, or is not a valid weights document.
 */
export function loadAwcWeights(path: string = SHIPPED_AWC_WEIGHTS): AwcWeights {
  if (path === SHIPPED_AWC_WEIGHTS && shipped) return shipped;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read AWC weights file ${path}: ${(err as Error).message}`, { cause: err });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`AWC weights file ${path} is not JSON: ${(err as Error).message}`, { cause: err });
  }
  const weights = validateAwcWeights(parsed);
  if (path === SHIPPED_AWC_WEIGHTS) shipped = weights;
  return weights;
}
