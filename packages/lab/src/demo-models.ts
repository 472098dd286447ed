/**
 * The synthetic model pair `up --backend llama` runs when no model files are named: made once with
 * the GGUF writer (a few seconds), then reused from the cache. No weights are downloaded.
 *
 * Cache: `$SPECMESH_CACHE_DIR`, else `$XDG_CACHE_HOME/specmesh`, else `~/.cache/specmesh`. File
 * names carry the preset's version and the drafter's agreement, so a changed preset is made anew.
 */
import { mkdir } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import {
  checkModelFile,
  SYNTHETIC_PRESETS,
  writeSyntheticDrafter,
  writeSyntheticTarget,
} from '@specmesh/models';

/** Bump when the demo preset changes shape, so caches of the old one are not reused. */
const DEMO_VERSION = 2;

export function modelCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.SPECMESH_CACHE_DIR) return env.SPECMESH_CACHE_DIR;
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'specmesh');
}

async function usable(path: string): Promise<boolean> {
  try {
    await checkModelFile(path);
    return true;
  } catch {
    return false;
  }
}

/** Writes the file unless a usable one is there (the GGUF writer itself writes aside and renames). */
async function writeOnce(path: string, write: () => Promise<unknown>): Promise<boolean> {
  if (await usable(path)) return false;
  await write();
  return true;
}

export interface DemoPair {
  readonly target: string;
  readonly drafter: string;
}

/** The demo target and a drafter of the given agreement, made if missing. */
export async function ensureDemoPair(agreement: number, say: (line: string) => void): Promise<DemoPair> {
  const dir = join(modelCacheDir(), 'models');
  await mkdir(dir, { recursive: true });
  const preset = SYNTHETIC_PRESETS.demo;
  const target = join(dir, `demo-v${DEMO_VERSION}-target.gguf`);
  const drafter = join(dir, `demo-v${DEMO_VERSION}-drafter-a${agreement}.gguf`);
  const t0 = Date.now();
  const madeTarget = await writeOnce(target, () => writeSyntheticTarget({ ...preset.target, out: target }));
  const madeDrafter = await writeOnce(drafter, () =>
    writeSyntheticDrafter({ ...preset.drafter, from: target, agreement, out: drafter }),
  );
  say(
    madeTarget || madeDrafter
      ? `  made the synthetic demo pair in ${((Date.now() - t0) / 1000).toFixed(1)} s: ${dir}`
      : `  synthetic demo pair from the cache: ${dir}`,
  );
  return { target, drafter };
}
