/**
 * Which config file a command reads: found without reading it, so a command with no file never loads
 * the YAML parser or the schema.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError } from '@specmesh/protocol/errors';
import { CONFIG_PATH_ENV } from './env-settings.js';

/** File looked for in the working directory when neither `--config` nor `SPECMESH_CONFIG` names one. */
export const DEFAULT_CONFIG_FILE = 'specmesh.yaml';

/**
 * The config file to read: `--config <path>` in `argv`, else `SPECMESH_CONFIG`, else `specmesh.yaml`
 * in `cwd` when it exists. Returns undefined when there is none. A file named explicitly must exist.
 */
export function configPathOf(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  cwd: string,
): string | undefined {
  let named: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') break;
    if (a === '--config') named = argv[i + 1];
    else if (a.startsWith('--config=')) named = a.slice('--config='.length);
  }
  named ??= env[CONFIG_PATH_ENV] || undefined;
  if (named !== undefined) {
    const path = resolve(cwd, named);
    if (!existsSync(path))
      throw new ConfigError(`config file ${path} does not exist (from --config or ${CONFIG_PATH_ENV})`, {
        context: { option: 'config' },
      });
    return path;
  }
  const fallback = resolve(cwd, DEFAULT_CONFIG_FILE);
  return existsSync(fallback) ? fallback : undefined;
}
