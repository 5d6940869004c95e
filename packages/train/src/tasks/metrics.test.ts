import { describe, expect, it } from "vitest";
import {
  accuracy,
  edgeF1,
  foregroundOfOneChannel,
  foregroundOfTwoChannels,
  meanIoU,
  meanSquaredError,
} from "./metrics.js";
import { sampleRng } from "./random.js";

/** An h x w 0/1 grid with ones where `on(y, x)`. */
function grid(h: number, w: number, on: (y: number, x: number) => boolean): number[] {
  const g: number[] = [];
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) g.push(on(y, x) ? 1 : 0);
  return g;
}

describe("meanIoU", () => {
  it("matches a hand computation, both-empty samples scoring 1", () => {
    // Sample 1: |P∩T| = 1, |P∪T| = 3 -> 1/3. Sample 2: both empty -> 1.
    const pred = [1, 1, 0, 0, 0, 0, 0, 0];
    const target = [1, 0, 1, 0, 0, 0, 0, 0];
    expect(meanIoU(pred, target, 2)).toBeCloseTo((1 / 3 + 1) / 2, 12);
    // Only the prediction empty: 0, not 1.
    expect(meanIoU([0, 0, 0, 0], [0, 1, 0, 0], 1)).toBe(0);
  });

  it("drops when the prediction is shifted (negative control)", () => {
    const square = grid(8, 8, (y, x) => y >= 2 && y < 6 && x >= 2 && x < 6);
    const shifted = grid(8, 8, (y, x) => y >= 2 && y < 6 && x >= 3 && x < 7);
    expect(meanIoU(square, square, 1)).toBe(1);
    // 4x4 square moved one column: overlap 12, union 20.
    expect(meanIoU(shifted, square, 1)).toBeCloseTo(12 / 20, 12);
  });

  it("scores an independent random predictor as theory says: qf / (f + q - qf)", () => {
    const rng = sampleRng(7, 7, 0);
    const n = 200_000;
    const f = 0.3;
    const q = 0.5;
    const target = Array.from({ length: n }, () => (rng.next() < f ? 1 : 0));
    const pred = Array.from({ length: n }, () => (rng.next() < q ? 1 : 0));
    expect(meanIoU(pred, target, 1)).toBeCloseTo((q * f) / (f + q - q * f), 2);
  });

  it("reads 1-channel maps by threshold and 2-channel maps by argmax", () => {
    expect([...foregroundOfOneChannel([0.2, 0.5, 0.9], 0.5)]).toEqual([0, 1, 1]);
    expect([...foregroundOfOneChannel([-1, 0.1], 0)]).toEqual([0, 1]);
    expect([...foregroundOfTwoChannels([0.7, 0.3, 0.4, 0.6])]).toEqual([0, 1]);
  });
});

describe("edgeF1 (ODS, 1-pixel tolerance)", () => {
  const line = (col: number) => grid(5, 5, (_, x) => x === col);

  it("accepts a 1-pixel offset at tolerance 1 but not at tolerance 0 or a 2-pixel offset", () => {
    const target = line(2);
    expect(edgeF1(line(2), target, 1, 5, 5).f1).toBe(1);
    expect(edgeF1(line(3), target, 1, 5, 5).f1).toBe(1);
    expect(edgeF1(line(3), target, 1, 5, 5, { tolerance: 0 }).f1).toBe(0);
    expect(edgeF1(line(4), target, 1, 5, 5).f1).toBe(0);
  });

  it("picks the best fixed threshold: hand-computed precision/recall at each", () => {
    const target = line(2);
    const pred = line(2).map((v) => v * 0.8);
    pred[0] = 0.9; // (0,0): a confident false positive, 2 px from the line
    pred[24] = 0.3; // (4,4): a weak false positive
    // t <= 0.3: P = 5/7, R = 1; 0.3 < t <= 0.8: P = 5/6, R = 1 (F = 10/11); t > 0.8: P = 0, R = 0.
    const s = edgeF1(pred, target, 1, 5, 5);
    expect(s.f1).toBeCloseTo(10 / 11, 12);
    expect(s.precision).toBeCloseTo(5 / 6, 12);
    expect(s.recall).toBe(1);
    expect(s.threshold).toBeCloseTo(0.8, 12);
  });

  it("pools counts over the whole set (ODS), not a mean of per-image F1", () => {
    // Image 1 perfect, image 2 missed: pooled P = 1, R = 1/2 -> F = 2/3 (per-image mean would be 1/2).
    const target = [...line(2), ...line(2)];
    const pred = [...line(2), ...grid(5, 5, () => false)];
    expect(edgeF1(pred, target, 2, 5, 5).f1).toBeCloseTo(2 / 3, 12);
  });

  it("does not match across image borders in a batch", () => {
    // Target edge on image 1's last row, prediction on image 2's first row: adjacent in memory only.
    const target = [...grid(5, 5, (y) => y === 4), ...grid(5, 5, () => false)];
    const pred = [...grid(5, 5, () => false), ...grid(5, 5, (y) => y === 0)];
    expect(edgeF1(pred, target, 2, 5, 5).f1).toBe(0);
  });

  it("scores a uniform random predictor as theory says at tolerance 0: 2f(0.99) / (f + 0.99)", () => {
    // At threshold t, precision = f (the edge density) and recall = 1 - t; the best is t = 0.01.
    const rng = sampleRng(7, 8, 0);
    const f = 0.1;
    const target = grid(200, 200, () => rng.next() < f);
    const pred = grid(200, 200, () => false).map(() => rng.next());
    expect(edgeF1(pred, target, 1, 200, 200, { tolerance: 0 }).f1).toBeCloseTo(
      (2 * f * 0.99) / (f + 0.99),
      2,
    );
  });
});

describe("meanSquaredError and accuracy", () => {
  it("MSE matches a hand computation and notices a perturbation", () => {
    expect(meanSquaredError([1, 2, 3], [1, 0, 0])).toBeCloseTo(13 / 3, 12);
    expect(meanSquaredError([0.5, 0.5], [0.5, 0.5])).toBe(0);
    expect(meanSquaredError([0.5, 0.6], [0.5, 0.5])).toBeGreaterThan(0);
  });

  it("accuracy compares argmaxes row by row, for logits and probabilities alike", () => {
    const target = [0, 1, 0, /**/ 1, 0, 0, /**/ 0, 0, 1];
    expect(accuracy([0.1, 0.7, 0.2, /**/ 2, 1, 0, /**/ 0, 0, 5], target, 3)).toBe(1);
    expect(accuracy([0.7, 0.1, 0.2, /**/ 2, 1, 0, /**/ 0, 6, 5], target, 3)).toBeCloseTo(1 / 3, 12);
  });

  it("a random classifier scores 1/K", () => {
    const rng = sampleRng(7, 9, 0);
    const n = 20_000;
    const k = 4;
    const pred: number[] = [];
    const target: number[] = [];
    for (let r = 0; r < n; r++) {
      const c = rng.int(0, k - 1);
      for (let j = 0; j < k; j++) {
        pred.push(rng.next());
        target.push(j === c ? 1 : 0);
      }
    }
    expect(accuracy(pred, target, n)).toBeCloseTo(1 / k, 1);
  });
});
