/**
 * The script that role processes run: this package's own entry, so `up`, `demo` and the experiments
 * start `node <SPECMESH_BIN> node --role …` with the same build as the command that launched them.
 */
import { fileURLToPath } from 'node:url';

export const SPECMESH_BIN = fileURLToPath(new URL('./bin.js', import.meta.url));
