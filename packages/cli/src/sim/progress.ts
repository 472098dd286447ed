/** The progress bar moved to ../progress.ts (bench uses it too); awc/ still imports it from here. */
export { createProgress, type Progress, type ProgressOptions } from '../progress.js';
