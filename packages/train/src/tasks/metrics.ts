/**
 * The tasks' metrics as plain functions over flat arrays, so they are testable on hand-made inputs and
 * need no tfjs. Every mean is over samples (or pixels) of the whole set passed in.
 */

/**
 * Foreground IoU |P ∩ T| / |P ∪ T| per sample, averaged over the n samples; a sample where both the
 * prediction and the target are empty scores 1 (nothing to find, nothing found). `pred` and `target`
 * hold 0/1 per pixel.
 */
export function meanIoU(pred: ArrayLike<number>, target: ArrayLike<number>, n: number): number {
  if (n <= 0) return Number.NaN;
  const per = pred.length / n;
  let sum = 0;
  for (let k = 0; k < n; k++) {
    let inter = 0;
    let union = 0;
    for (let i = k * per; i < (k + 1) * per; i++) {
      const p = pred[i]! > 0.5;
      const t = target[i]! > 0.5;
      if (p && t) inter++;
      if (p || t) union++;
    }
    sum += union === 0 ? 1 : inter / union;
  }
  return sum / n;
}

/** 0/1 foreground per pixel of a one-channel map: value ≥ threshold (0.5 for probabilities, 0 for logits). */
export function foregroundOfOneChannel(x: ArrayLike<number>, threshold: number): Uint8Array {
  const out = new Uint8Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = x[i]! >= threshold ? 1 : 0;
  return out;
}

/** 0/1 foreground per pixel of a two-channel [.., 2] map (background, foreground): channel 1 wins. */
export function foregroundOfTwoChannels(x: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(x.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = x[2 * i + 1]! > x[2 * i]! ? 1 : 0;
  return out;
}

export interface EdgeScore {
  /** Best F1 over the thresholds (ODS: one threshold for the whole set). */
  f1: number;
  threshold: number;
  precision: number;
  recall: number;
}

/**
 * Edge F1 at the best fixed threshold over the whole set (ODS, as BSDS500 reports for HED), with a
 * match tolerance of `tolerance` pixels (Chebyshev distance, default 1): a predicted edge pixel is a
 * true positive when a target edge pixel lies within the tolerance, and a target pixel is recalled when
 * a predicted one does. NOTE: BSDS matches pixels one-to-one (a bipartite assignment); this
 * neighbourhood test is the cheaper approximation, which can count two predictions next to one target
 * pixel as both correct. `pred` holds probabilities in [0, 1]; `target` 0/1; both [n, h, w] flat.
 * Thresholds are 0.01, 0.02, …, 0.99 (`steps` = 100). With no predictions precision is 1, with no
 * target edges recall is 1, and F1 is 0 when both precision and recall are 0.
 */
export function edgeF1(
  pred: ArrayLike<number>,
  target: ArrayLike<number>,
  n: number,
  h: number,
  w: number,
  options: { tolerance?: number; steps?: number } = {},
): EdgeScore {
  const tol = options.tolerance ?? 1;
  const steps = options.steps ?? 100;
  // hist*[b]: pixels whose value passes thresholds 1..b (b = how many thresholds k/steps it reaches).
  const predAll = new Float64Array(steps);
  const predHit = new Float64Array(steps);
  const gtHit = new Float64Array(steps);
  let gtTotal = 0;
  const bin = (p: number): number => {
    let b = Math.min(steps - 1, Math.max(0, Math.floor(p * steps)));
    while (b < steps - 1 && (b + 1) / steps <= p) b++;
    while (b > 0 && b / steps > p) b--;
    return b;
  };
  const hw = h * w;
  for (let k = 0; k < n; k++) {
    const o = k * hw;
    for (let y = 0; y < h; y++) {
      const y0 = Math.max(0, y - tol);
      const y1 = Math.min(h - 1, y + tol);
      for (let x = 0; x < w; x++) {
        const x0 = Math.max(0, x - tol);
        const x1 = Math.min(w - 1, x + tol);
        const i = o + y * w + x;
        const p = pred[i]!;
        const isGt = target[i]! > 0.5;
        // One scan of the neighbourhood gives both: is a target edge near, and the best prediction near.
        let near = false;
        let best = Number.NEGATIVE_INFINITY;
        for (let yy = y0; yy <= y1; yy++) {
          for (let xx = x0; xx <= x1; xx++) {
            const j = o + yy * w + xx;
            if (target[j]! > 0.5) near = true;
            if (isGt && pred[j]! > best) best = pred[j]!;
          }
        }
        const b = bin(p);
        predAll[b]!++;
        if (near) predHit[b]!++;
        if (isGt) {
          gtTotal++;
          gtHit[bin(best)]!++;
        }
      }
    }
  }
  let best: EdgeScore = { f1: 0, threshold: 1 / steps, precision: 0, recall: 0 };
  let all = 0;
  let hit = 0;
  let rec = 0;
  // Walk thresholds from the highest down, accumulating the counts of pixels at or above each.
  const scores: EdgeScore[] = [];
  for (let b = steps - 1; b >= 1; b--) {
    all += predAll[b]!;
    hit += predHit[b]!;
    rec += gtHit[b]!;
    const precision = all === 0 ? 1 : hit / all;
    const recall = gtTotal === 0 ? 1 : rec / gtTotal;
    const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
    scores.push({ f1, threshold: b / steps, precision, recall });
  }
  // On a tie the highest threshold wins (the first in the walk).
  for (const s of scores) if (s.f1 > best.f1) best = s;
  return best;
}

/** Mean squared error over every element. */
export function meanSquaredError(pred: ArrayLike<number>, target: ArrayLike<number>): number {
  if (pred.length === 0) return Number.NaN;
  let s = 0;
  for (let i = 0; i < pred.length; i++) {
    const d = pred[i]! - target[i]!;
    s += d * d;
  }
  return s / pred.length;
}

/** Fraction of the n rows of [n, K] where the argmax of `pred` equals the argmax of the one-hot `target`. */
export function accuracy(pred: ArrayLike<number>, target: ArrayLike<number>, n: number): number {
  if (n <= 0) return Number.NaN;
  const k = pred.length / n;
  let right = 0;
  for (let r = 0; r < n; r++) {
    if (argmax(pred, r * k, k) === argmax(target, r * k, k)) right++;
  }
  return right / n;
}

function argmax(x: ArrayLike<number>, start: number, len: number): number {
  let best = 0;
  for (let i = 1; i < len; i++) if (x[start + i]! > x[start + best]!) best = i;
  return best;
}

export const sigmoid = (v: number): number => 1 / (1 + Math.exp(-v));

/** True when every value is finite: a diverged model's NaN predictions must score NaN, not 0. */
export function allFinite(x: ArrayLike<number>): boolean {
  for (let i = 0; i < x.length; i++) if (!Number.isFinite(x[i]!)) return false;
  return true;
}
