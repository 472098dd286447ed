/** The scenario `specmesh sim validate` runs unless told otherwise, shipped with the simulator. */
import { fileURLToPath } from 'node:url';

/** The 4 × 4 validation scenario (packages/sim/scenarios/validate-4x4.yaml). */
export const DEFAULT_VALIDATE_SCENARIO = fileURLToPath(
  new URL('../../../sim/scenarios/validate-4x4.yaml', import.meta.url),
);
