/**
 * Quick or full form of the slow suites. `npm test` runs the quick form (a short sample of each soak,
 * one configuration where the full form runs several); `npm run test:full` sets SPECMESH_TEST_FULL=1
 * and runs every configuration at full length.
 */
export const FULL = process.env.SPECMESH_TEST_FULL === '1';

/** `quick` in the quick form, `full` in the full form. */
export function quickOrFull<T>(quick: T, full: T): T {
  return FULL ? full : quick;
}
