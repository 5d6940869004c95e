/** An axis: its domain widened to round numbers, the tick values and how many decimals they need. */
export interface Axis {
  lo: number;
  hi: number;
  ticks: number[];
  decimals: number;
}

/** 1, 2 or 5 times a power of ten, the smallest such step ≥ `raw`. */
function niceStep(raw: number): number {
  const p = 10 ** Math.floor(Math.log10(raw));
  const m = raw / p;
  return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
}

/**
 * Round ticks covering [lo, hi] (about `count` of them), the domain widened to the outer ticks. A flat
 * range is padded first so a constant series still sits inside a readable axis; `integer` keeps the
 * step ≥ 1 (epochs).
 */
export function niceAxis(lo: number, hi: number, count = 5, integer = false): Axis {
  if (!(Number.isFinite(lo) && Number.isFinite(hi))) return niceAxis(0, 1, count, integer);
  if (hi < lo) [lo, hi] = [hi, lo];
  if (hi === lo) {
    const pad = lo === 0 ? 1 : Math.abs(lo) * 0.1;
    lo -= pad;
    hi += pad;
  }
  let step = niceStep((hi - lo) / count);
  if (integer) step = Math.max(1, Math.round(step));
  const first = Math.floor(lo / step + 1e-9);
  const last = Math.ceil(hi / step - 1e-9);
  const ticks: number[] = [];
  // NOTE: ticks from integer multiples, not by repeated addition, so 0.1 + 0.2 drift never shows.
  for (let k = first; k <= last; k++) ticks.push(k * step);
  const decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  return { lo: first * step, hi: last * step, ticks, decimals };
}

/** A tick label: fixed decimals, never "-0". */
export function tickLabel(v: number, decimals: number): string {
  const s = v.toFixed(Math.min(decimals, 20));
  return /^-0(\.0*)?$/.test(s) ? s.slice(1) : s;
}
