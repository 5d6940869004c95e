/** Order statistics of one engine's per-round times, and of its per-round ratios to a baseline. */

export interface Spread {
  median: number;
  min: number;
  max: number;
}

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

export function spread(xs: readonly number[]): Spread {
  if (xs.length === 0) return { median: Number.NaN, min: Number.NaN, max: Number.NaN };
  return { median: median(xs), min: Math.min(...xs), max: Math.max(...xs) };
}

/**
 * Round i's time over the baseline's time in the same round, for the rounds both have. Ratios of the
 * same round cancel load that both engines saw, which medians of separate runs do not.
 */
export function roundRatios(times: readonly number[], baseline: readonly number[]): number[] {
  const n = Math.min(times.length, baseline.length);
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push((times[i] as number) / (baseline[i] as number));
  return out;
}

/**
 * Output agreement: per output, max |a - ref| over max |ref| (an error relative to the output's scale,
 * which stays meaningful where single elements are near zero); the worst over all outputs. NaN where
 * lengths differ or a value is not finite, so a broken engine never looks like an agreeing one.
 */
export function maxRelError(ref: readonly Float32Array[], other: readonly Float32Array[]): number {
  if (ref.length !== other.length) return Number.NaN;
  let worst = 0;
  for (let o = 0; o < ref.length; o++) {
    const a = ref[o] as Float32Array;
    const b = other[o] as Float32Array;
    if (a.length !== b.length) return Number.NaN;
    let scale = 0;
    let diff = 0;
    for (let i = 0; i < a.length; i++) {
      const x = a[i] as number;
      const y = b[i] as number;
      if (!Number.isFinite(x) || !Number.isFinite(y)) return Number.NaN;
      scale = Math.max(scale, Math.abs(x));
      diff = Math.max(diff, Math.abs(x - y));
    }
    worst = Math.max(worst, scale > 0 ? diff / scale : diff);
  }
  return worst;
}
