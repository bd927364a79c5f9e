/**
 * Seconds from one `performance.now()` reading to another, rounded to the microsecond: the
 * reading's sub-microsecond digits and the division leave float noise (0.08464155500000003) that
 * is no information and makes events harder to read.
 */
export function secondsBetween(startMs: number, endMs: number): number {
  return Math.round((endMs - startMs) * 1000) / 1_000_000;
}
