const BARS = "▁▂▃▄▅▆▇█";

/**
 * A one-line terminal chart of `values`, one block character per value from ▁ (the smallest finite
 * value) to █ (the largest). NaN and ±Infinity show as a space, so a gap is visible rather than
 * drawn as an extreme; a flat series is a row of mid-height bars; no values give "".
 */
export function sparkline(values: readonly number[]): string {
  const finite = values.filter(Number.isFinite);
  if (finite.length === 0) return values.map(() => " ").join("");
  // NOTE: reduce, not Math.min(...values): spreading a long series overflows the stack.
  const lo = finite.reduce((a, b) => Math.min(a, b));
  const hi = finite.reduce((a, b) => Math.max(a, b));
  const top = BARS.length - 1;
  return values
    .map((v) => {
      if (!Number.isFinite(v)) return " ";
      if (hi === lo) return BARS[top >> 1];
      return BARS[Math.round(((v - lo) / (hi - lo)) * top)];
    })
    .join("");
}
