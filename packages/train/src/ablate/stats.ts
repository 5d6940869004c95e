export interface MeanStd {
  mean: number;
  std: number;
}

/**
 * Mean and sample standard deviation (Bessel's n − 1: the seeds are a sample of the runs one could
 * make). One value has std 0; no values give NaN for both.
 */
export function meanStd(values: readonly number[]): MeanStd {
  const n = values.length;
  if (n === 0) return { mean: Number.NaN, std: Number.NaN };
  const mean = values.reduce((a, b) => a + b, 0) / n;
  if (n === 1) return { mean, std: 0 };
  const ss = values.reduce((a, v) => a + (v - mean) ** 2, 0);
  return { mean, std: Math.sqrt(ss / (n - 1)) };
}
