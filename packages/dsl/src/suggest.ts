/**
 * Edit distance with adjacent transpositions (optimal string alignment: `imgae` is 1 from `image`),
 * giving up (returning `max + 1`) as soon as it must exceed `max`, so comparing a
 * name against thousands of candidates stays cheap.
 */
export function editDistance(a: string, b: string, max = Number.POSITIVE_INFINITY): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let prev2 = new Array<number>(b.length + 1).fill(0);
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  let cur = new Array<number>(b.length + 1).fill(0);
  for (let i = 1; i <= a.length; i++) {
    cur[0] = i;
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a.charCodeAt(i - 1) === b.charCodeAt(j - 1) ? 0 : 1;
      let v = Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        v = Math.min(v, (prev2[j - 2] ?? 0) + 1);
      cur[j] = v;
      if (v < rowMin) rowMin = v;
    }
    if (rowMin > max) return max + 1;
    [prev2, prev, cur] = [prev, cur, prev2];
  }
  // Rows can stay within the bound while the last cell ends past it: clamp, as the early exits do.
  return Math.min(prev[b.length] ?? 0, max + 1);
}

/**
 * The candidate closest to `name`, if it is close enough to be a likely typo: within a third of the
 * name's length (at least 1, at most 3 edits), or equal ignoring case and `_`/`-`.
 */
export function didYouMean(name: string, candidates: Iterable<string>): string | undefined {
  const norm = (s: string) => s.toLowerCase().replace(/[_-]/g, "");
  const target = norm(name);
  const max = Math.min(3, Math.max(1, Math.floor(name.length / 3)));
  let best: string | undefined;
  let bestDist = max + 1;
  for (const c of candidates) {
    if (c === name) continue;
    if (norm(c) === target) return c;
    const d = editDistance(name, c, bestDist - 1);
    if (d < bestDist) {
      best = c;
      bestDist = d;
    }
  }
  return best;
}

/** ` Did you mean "x"?` or the empty string. */
export function didYouMeanText(name: string, candidates: Iterable<string>): string {
  const s = didYouMean(name, candidates);
  return s === undefined ? "" : ` Did you mean "${s}"?`;
}
