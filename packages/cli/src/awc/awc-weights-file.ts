/**
 * Reads a WC-DNN weights file the user names (`--weights`, e.g. from `specmesh awc train`), once,
 * when a command starts. Core takes weights as values and never touches the file system.
 */
import { readFileSync } from 'node:fs';
import { type AwcWeights, validateAwcWeights } from '@specmesh/core';
import { ConfigError } from '@specmesh/protocol';

/** Reads and validates `path`. Throws ConfigError naming the file when it cannot be used. */
export function loadAwcWeightsFile(path: string): AwcWeights {
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
  return validateAwcWeights(parsed);
}
