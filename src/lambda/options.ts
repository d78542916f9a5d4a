/** Defaults of the Lambda handler, in one place. */
export const LAMBDA_DEFAULTS = {
  /**
   * Time kept back from the function's deadline for starting stopped instances again (at most
   * a third of the time left when the invocation starts). When less than this is left, the
   * handler starts no new work: the running job ends early and restarts what it stopped.
   */
  restartReserveMs: 120_000,
  /** Of the reserve, this much is left over for the last notification and the result. */
  finishMs: 5_000,
  /** How often the handler looks at the time left. */
  checkEveryMs: 1_000,
} as const;

/** The reserve and the restarts' own deadline for an invocation with `leftMs` to go. */
export function deadlinePlan(leftMs: number): { reserveMs: number; restartTimeoutMs: number } {
  const reserveMs = Math.min(LAMBDA_DEFAULTS.restartReserveMs, Math.floor(leftMs / 3));
  const finish = Math.min(LAMBDA_DEFAULTS.finishMs, Math.floor(reserveMs / 4));
  return { reserveMs, restartTimeoutMs: Math.max(1_000, reserveMs - finish) };
}
