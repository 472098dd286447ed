/**
 * CLI model flags of a fast emulated pair (millisecond steps, drafter agreement 0.8), shared by the
 * multi-process tests. Processes given these flags build `new EmulatedModel({ seed })` as target.
 */
export function fastEmulatedFlags(seed: number): string[] {
  return [
    '--seed',
    String(seed),
    '--agreement',
    '0.8',
    '--target-ttft-ms',
    '4',
    '--target-tpot-ms',
    '3',
    '--target-per-token-ms',
    '0.2',
    '--draft-ttft-ms',
    '1',
    '--draft-tpot-ms',
    '0.3',
  ];
}
