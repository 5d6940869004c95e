import type { Graph } from "@fusegraph/dsl";
import { describe, expect, it } from "vitest";
import {
  convGraph,
  lstmExample,
  lstmGraph,
  tinyFpnExample,
  tinyFpnTwoWays,
  tinyHed,
  tinyUnet,
} from "./__fixtures__/graphs.js";
import { heatAt } from "./blobs.js";
import { renderEdgeSample } from "./edges.js";
import { sampleRng } from "./random.js";
import { tasks } from "./registry.js";
import type { TaskBinding, TaskName } from "./types.js";

function bound(task: TaskName, graph: Graph): TaskBinding {
  const r = tasks[task].bind(graph);
  if (!r.ok) throw new Error(r.issues.map((i) => i.message).join("; "));
  return r.binding;
}

const mean = (xs: ArrayLike<number>): number => {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i]!;
  return s / xs.length;
};

const cases: [TaskName, () => Graph][] = [
  ["shapes", tinyUnet],
  ["edges", tinyHed],
  ["blobs", tinyFpnTwoWays],
  ["blobs", tinyFpnExample],
  ["sequence", lstmExample],
];

describe.each(cases)("%s generation", (task, graph) => {
  const b = bound(task, graph());
  const size = (shape: readonly number[]) => shape.reduce((a, d) => a * d, 1);

  it("is deterministic in the seed, differs across seeds, and a prefix of a set is a smaller set", () => {
    const a = b.generate(6, 11);
    const again = b.generate(6, 11);
    expect(Buffer.from(again.x.buffer).equals(Buffer.from(a.x.buffer))).toBe(true);
    a.y.forEach((y, i) => {
      expect(Buffer.from(again.y[i]!.buffer).equals(Buffer.from(y.buffer))).toBe(true);
    });
    const other = b.generate(6, 12);
    expect(Buffer.from(other.x.buffer).equals(Buffer.from(a.x.buffer))).toBe(false);
    const prefix = b.generate(2, 11);
    expect([...prefix.x]).toEqual([...a.x.subarray(0, prefix.x.length)]);
  });

  it("a train set and a held-out set from different seeds share no sample", () => {
    const per = size(b.input.shape);
    const key = (x: Float32Array, k: number) =>
      Buffer.from(x.buffer, k * per * 4, per * 4).toString("base64");
    const train = b.generate(32, 1);
    const heldOut = b.generate(32, 2);
    const seen = new Set(Array.from({ length: 32 }, (_, k) => key(train.x, k)));
    expect(seen.size).toBe(32);
    expect(Array.from({ length: 32 }, (_, k) => key(heldOut.x, k)).filter((h) => seen.has(h))).toEqual([]);
  });

  it("has the bound shapes and finite values", () => {
    const batch = b.generate(3, 1);
    expect(batch.n).toBe(3);
    expect(batch.x.length).toBe(3 * size(b.input.shape));
    expect(batch.y.length).toBe(b.outputs.length);
    b.outputs.forEach((o, i) => {
      expect(batch.y[i]!.length).toBe(3 * size(o.shape));
    });
    expect(batch.x.every(Number.isFinite)).toBe(true);
    expect(batch.y.every((y) => y.every(Number.isFinite))).toBe(true);
    expect(b.generate(0, 1).x.length).toBe(0);
    expect(() => b.generate(-1, 1)).toThrow(RangeError);
  });
});

describe("shapes", () => {
  const unet = bound("shapes", tinyUnet());
  const batch = unet.generate(48, 5);
  const fg = batch.y[0]!.filter((_, i) => i % 2 === 1); // [.., 2] one-hot: channel 1 is foreground

  it("targets are one-hot and the foreground is 8–40 % of the cropped target, present in most samples", () => {
    const y = batch.y[0]!;
    let notOneHot = 0;
    for (let i = 0; i < y.length; i += 2) if (y[i]! + y[i + 1]! !== 1 || y[i]! * y[i + 1]! !== 0) notOneHot++;
    expect(notOneHot).toBe(0);
    const fraction = mean(fg);
    expect(fraction).toBeGreaterThan(0.08);
    expect(fraction).toBeLessThan(0.4);
    const per = 52 * 52;
    let withFg = 0;
    for (let k = 0; k < 48; k++) if (mean(fg.subarray(k * per, (k + 1) * per)) > 0.01) withFg++;
    expect(withFg / 48).toBeGreaterThan(0.9);
  });

  it("the mask is where the shapes are drawn: the centre crop lines up, a misaligned crop does not", () => {
    // Mean input brightness over target-foreground minus over target-background, reading the input at
    // offset `o` (the crop offset for 68 -> 52 is 8).
    const contrast = (o: number): number => {
      let f = 0;
      let nf = 0;
      let g = 0;
      let ng = 0;
      for (let k = 0; k < 48; k++) {
        for (let y = 0; y < 52; y++) {
          for (let x = 0; x < 52; x++) {
            const v = batch.x[k * 68 * 68 + (y + o) * 68 + (x + o)]!;
            if (fg[k * 52 * 52 + y * 52 + x]) {
              f += v;
              nf++;
            } else {
              g += v;
              ng++;
            }
          }
        }
      }
      return f / nf - g / ng;
    };
    expect(contrast(8)).toBeGreaterThan(0.2);
    expect(contrast(0)).toBeLessThan(contrast(8) - 0.1);
  });

  it("a downscaled output's target is the block majority of the full-size one", () => {
    const full = bound("shapes", convGraph([32, 32, 3], 1, "sigmoid"));
    const half = bound("shapes", convGraph([32, 32, 3], 1, "none", "pool"));
    expect(full.outputs[0]!.loss).toBe("binaryCrossentropy");
    expect(half.outputs[0]!.loss).toBe("binaryCrossentropyFromLogits");
    const a = full.generate(8, 2);
    const d = half.generate(8, 2);
    expect([...d.x]).toEqual([...a.x]);
    const big = a.y[0]!;
    const small = d.y[0]!;
    let agree = 0;
    for (let k = 0; k < 8; k++) {
      for (let y = 0; y < 16; y++) {
        for (let x = 0; x < 16; x++) {
          const o = k * 1024 + 2 * y * 32 + 2 * x;
          const sum = big[o]! + big[o + 1]! + big[o + 32]! + big[o + 33]!;
          if (small[k * 256 + y * 16 + x] === (sum >= 2 ? 1 : 0)) agree++;
        }
      }
    }
    expect(agree).toBe(8 * 256);
  });
});

describe("scores read the output head", () => {
  it("a raw (logits) mask output is thresholded at 0, a sigmoid one at 0.5", () => {
    const logits = bound("shapes", convGraph([16, 16, 1], 1, "none"));
    const probs = bound("shapes", convGraph([16, 16, 1], 1, "sigmoid"));
    const t = logits.generate(4, 1).y[0]!;
    const asLogits = t.map((v) => 4 * v - 2);
    expect(logits.score(asLogits, t, 4)).toBe(1);
    // 0.3 everywhere: all background as probabilities (< 0.5), all foreground as logits (≥ 0).
    const flat = t.map(() => 0.3);
    // Predicting all background scores 1 only on empty targets; all foreground scores each target's fraction.
    const fractions = [0, 1, 2, 3].map((k) => mean(t.subarray(k * 256, (k + 1) * 256)));
    expect(fractions.some((f) => f > 0)).toBe(true);
    expect(probs.score(flat, t, 4)).toBeCloseTo(mean(fractions.map((f) => (f === 0 ? 1 : 0))), 12);
    expect(logits.score(flat, t, 4)).toBeCloseTo(mean(fractions), 12);
  });

  it("a raw edge output goes through a sigmoid before the F1 thresholds", () => {
    const raw = bound("edges", convGraph([16, 16, 1], 1, "none"));
    expect(raw.outputs[0]!.loss).toBe("balancedBinaryCrossentropyFromLogits");
    const t = raw.generate(4, 2).y[0]!;
    expect(
      raw.score(
        t.map((v) => 10 * v - 5),
        t,
        4,
      ),
    ).toBe(1);
    expect(
      raw.score(
        t.map(() => Number.NaN),
        t,
        4,
      ),
    ).toBeNaN();
  });
});

describe("edges", () => {
  it("edges are the 1-pixel boundaries between regions: every edge pixel borders another region, every boundary has exactly one edge side", () => {
    for (let s = 0; s < 8; s++) {
      const { labels, edges } = renderEdgeSample(sampleRng(1, s, 0), 40, 40, [0, 0, 40, 40]);
      let boundaryPairs = 0;
      let stray = 0;
      let missed = 0;
      for (let y = 0; y < 40; y++) {
        for (let x = 0; x < 40; x++) {
          const p = y * 40 + x;
          const nbrs = [x > 0 ? p - 1 : -1, x < 39 ? p + 1 : -1, y > 0 ? p - 40 : -1, y < 39 ? p + 40 : -1];
          if (edges[p] && !nbrs.some((q) => q >= 0 && labels[q] !== labels[p])) stray++;
          for (const q of [x < 39 ? p + 1 : -1, y < 39 ? p + 40 : -1]) {
            if (q < 0 || labels[q] === labels[p]) continue;
            boundaryPairs++;
            // The upper region (the later label) owns the boundary pixel.
            const upper = labels[q]! > labels[p]! ? q : p;
            if (edges[upper] !== 1) missed++;
          }
        }
      }
      expect(boundaryPairs).toBeGreaterThan(0);
      expect(stray).toBe(0);
      expect(missed).toBe(0);
    }
  });

  const hed = bound("edges", tinyHed());
  const batch = hed.generate(32, 3);

  it("binds all four HED outputs with class-balanced BCE; edges are 2–15 % of pixels", () => {
    expect(hed.outputs.map((o) => o.id)).toEqual(["fuse.prob", "side1.prob", "side2.prob", "side3.prob"]);
    expect(hed.outputs.every((o) => o.loss === "balancedBinaryCrossentropy")).toBe(true);
    // Deep supervision: every side output has the same full-size target.
    for (const y of batch.y.slice(1)) expect([...y]).toEqual([...batch.y[0]!]);
    const fraction = mean(batch.y[0]!);
    expect(fraction).toBeGreaterThan(0.02);
    expect(fraction).toBeLessThan(0.15);
  });

  it("edge pixels sit on intensity steps of the input (a shifted edge map does not)", () => {
    // Mean of the largest 4-neighbour step of input channel 0 at edge pixels vs elsewhere.
    const ratio = (shift: number): number => {
      let on = 0;
      let non = 0;
      let off = 0;
      let noff = 0;
      for (let k = 0; k < 32; k++) {
        for (let y = 1; y < 63; y++) {
          for (let x = 1; x < 63; x++) {
            const at = (yy: number, xx: number) => batch.x[((k * 64 + yy) * 64 + xx) * 3]!;
            const v = at(y, x);
            const step = Math.max(
              Math.abs(v - at(y, x - 1)),
              Math.abs(v - at(y, x + 1)),
              Math.abs(v - at(y - 1, x)),
              Math.abs(v - at(y + 1, x)),
            );
            const xs = Math.min(63, x + shift);
            if (batch.y[0]![k * 4096 + y * 64 + xs]) {
              on += step;
              non++;
            } else {
              off += step;
              noff++;
            }
          }
        }
      }
      return on / non / (off / noff);
    };
    expect(ratio(0)).toBeGreaterThan(2.5);
    expect(ratio(3)).toBeLessThan(ratio(0) / 1.5);
  });
});

describe("blobs", () => {
  it("heat is 1 at a blob centre and exp(-1/2) one sigma away (hand values)", () => {
    const blob = [{ cx: 10, cy: 10, r: 4, amp: 1 }];
    expect(heatAt(blob, 10, 10, 1)).toBe(1);
    // sigma = max(r / 2, 0.6 * stride) = 2 at stride 1, 4.8 at stride 8.
    expect(heatAt(blob, 12, 10, 1)).toBeCloseTo(Math.exp(-0.5), 12);
    expect(heatAt(blob, 10, 14.8, 8)).toBeCloseTo(Math.exp(-0.5), 12);
  });

  const fpn = bound("blobs", tinyFpnTwoWays());
  const batch = fpn.generate(32, 4);

  it("supervises every FPN level with MSE; every channel carries the same heatmap; heat is sparse", () => {
    expect(fpn.outputs.map((o) => [o.id, o.shape[0], o.loss])).toEqual([
      ["p2.out", 32, "meanSquaredError"],
      ["p3.out", 16, "meanSquaredError"],
      ["p4.out", 8, "meanSquaredError"],
    ]);
    const y = batch.y[0]!;
    let differ = 0;
    for (let p = 0; p < y.length; p += 24) for (let c = 1; c < 24; c++) if (y[p + c] !== y[p]) differ++;
    expect(differ).toBe(0);
    const m = mean(y);
    expect(m).toBeGreaterThan(0.003);
    expect(m).toBeLessThan(0.1);
  });

  it("heat peaks where the input's blobs are: at the brightest input pixel, not at its mirror image", () => {
    let hot = 0;
    let mirrored = 0;
    for (let k = 0; k < 32; k++) {
      let best = 0;
      for (let p = 1; p < 64 * 64; p++)
        if (batch.x[(k * 4096 + p) * 3]! > batch.x[(k * 4096 + best) * 3]!) best = p;
      const iy = Math.floor(best / 64);
      const ix = best % 64;
      fpn.outputs.forEach((o, i) => {
        const s = 64 / o.shape[0]!;
        const heat = (y: number, x: number) => batch.y[i]![((k * o.shape[0]! + y) * o.shape[1]! + x) * 24]!;
        const h = heat(Math.floor(iy / s), Math.floor(ix / s));
        expect(h).toBeGreaterThan(0.4);
        hot += h;
        mirrored += heat(o.shape[0]! - 1 - Math.floor(iy / s), o.shape[1]! - 1 - Math.floor(ix / s));
      });
    }
    expect(mirrored).toBeLessThan(hot / 2);
  });
});

describe("sequence", () => {
  const lstm = bound("sequence", lstmExample());
  const n = 600;
  const batch = lstm.generate(n, 9);
  const [T, F] = [16, 32];
  const K = 10;
  const labelOf = (k: number) => batch.y[0]!.subarray(k * K, (k + 1) * K).indexOf(1);
  const tokenAt = (k: number, t: number) => {
    const v = batch.x.subarray((k * T + t) * F, (k * T + t + 1) * F);
    let best = 0;
    for (let f = 1; f < K; f++) if (v[f]! > v[best]!) best = f;
    return best;
  };

  it("binds the lstm example's logits with from-logits CE; labels use all classes about evenly", () => {
    expect(lstm.outputs).toEqual([{ id: "fc", shape: [10], loss: "categoricalCrossentropyFromLogits" }]);
    const counts = new Array(K).fill(0);
    for (let k = 0; k < n; k++) counts[labelOf(k)]++;
    for (const c of counts) {
      expect(c / n).toBeGreaterThan(0.05);
      expect(c / n).toBeLessThan(0.15);
    }
  });

  it("the label is the majority token of the input (the last token alone is not)", () => {
    let majority = 0;
    let last = 0;
    for (let k = 0; k < n; k++) {
      const counts = new Array(K).fill(0);
      for (let t = 0; t < T; t++) counts[tokenAt(k, t)]++;
      if (counts.indexOf(Math.max(...counts)) === labelOf(k)) majority++;
      if (tokenAt(k, T - 1) === labelOf(k)) last++;
    }
    expect(majority).toBe(n);
    expect(last / n).toBeLessThan(0.75);
  });

  it("works with fewer features than classes (random token codes) and a softmax head", () => {
    const small = bound("sequence", lstmGraph(5, 3, 6, "softmax"));
    expect(small.outputs[0]!.loss).toBe("categoricalCrossentropy");
    const b = small.generate(4, 0);
    expect(b.x.length).toBe(4 * 5 * 3);
    expect(b.y[0]!.length).toBe(4 * 6);
  });
});
