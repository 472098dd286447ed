/**
 * What the cost profile of a validation measured, in a file of its own: the plan (validate-plan.ts)
 * reads these figures and the prober (validate-profile.ts) produces them from a plan, so neither
 * imports the other.
 */

/** Measured costs, ms (means). */
export interface ValidateProfile {
  readonly targetCallOverheadMs: number;
  readonly draftTokenOverheadMs: number;
  readonly hopMs: number;
  readonly proxyOneWayMs: number;
  readonly samples: number;
}
