import type { Graph } from "@fusegraph/dsl";
import { paint, randomPolygon } from "./geometry.js";
import { checkCount, type ImageOutput, imageInput, pixelOutputs, targetWindow } from "./image-task.js";
import { isError, mismatch } from "./inspect.js";
import { allFinite, edgeF1, sigmoid } from "./metrics.js";
import { type Rng, sampleRng } from "./random.js";
import { mapBinary } from "./resample.js";
import { fillChannels, smoothTexture } from "./texture.js";
import type { Task, TaskBatch, TaskBinding, TaskBindingResult } from "./types.js";

const SALT = 0xed6e02;

/**
 * `edges` — thin boundary detection, for HED-like specs (every output supervised: deep supervision).
 * Renders 2–5 random star-shaped polygons (3–7 vertices, radius 12–30 % of the shorter side) that
 * overlap in paint order; each region (background included) has its own grey level, kept ≥ 0.15 from
 * every other level, with ±0.125 smooth texture and ±0.05 pixel noise on top.
 * Input [H, W, C] (H, W ≥ 8, any C as in `shapes`).
 * Target: the 1-pixel boundaries: a pixel is an edge when a 4-neighbour belongs to a region painted
 * before it (lower in the stack), so each boundary is drawn once, on its upper side. Outputs must be
 * [h, w, 1]: the input's size, a centre crop, or an integer downscale (a block is an edge when any of
 * its pixels is, so edges survive).
 * Loss: class-balanced BCE (HED, Xie & Tu 2015: positives weighted by |Y-|/|Y|, negatives by
 * |Y+|/|Y|, per sample), …FromLogits when an output has no sigmoid.
 * Metric: edge F1 of the primary output at the best fixed threshold over the whole set (ODS), with a
 * 1-pixel match tolerance (Chebyshev neighbourhood, not BSDS's one-to-one matching; see `edgeF1`).
 * Edge pixels are ~4 % of a 64x64 target (the tests allow 2–15 %).
 */
export const edgesTask: Task = {
  name: "edges",
  summary: "find the 1-pixel boundaries of random polygons on textured noise (HED); metric edge F1 (ODS)",
  metric: { name: "edge F1 (ODS)", higherIsBetter: true },
  bind: (graph) => bindEdges(graph),
};

function bindEdges(graph: Graph): TaskBindingResult {
  const input = imageInput(graph, "edges");
  if (isError(input)) return { ok: false, issues: [input] };
  const hint = "edges supervises every output as a 1-channel edge map (sigmoid), like HED's side outputs";
  const { outputs, issues } = pixelOutputs(graph, "edges", input, [1], hint);
  for (const o of outputs) {
    if (o.head === "softmax") {
      issues.push(
        mismatch(
          ["outputs", o.index],
          `task "edges": output "${o.id}" is a softmax over 1 channel, which is always 1`,
          "a 1-channel sigmoid (or raw) output",
          "softmax over [.., 1]",
          "use fn: sigmoid",
          o.id,
        ),
      );
    }
  }
  if (issues.length > 0) return { ok: false, issues };
  const [H, W, C] = input.shape as [number, number, number];
  const primary = outputs[0]!;
  const binding: TaskBinding = {
    task: edgesTask,
    input: { id: input.id, shape: [...input.shape] },
    outputs: outputs.map((o) => ({
      id: o.id,
      shape: [...o.shape],
      loss: o.head === "sigmoid" ? "balancedBinaryCrossentropy" : "balancedBinaryCrossentropyFromLogits",
    })),
    generate: (n, seed) =>
      generateEdges(n, seed, H, W, C, targetWindow(primary.plan, H, W, primary.shape), outputs),
    score: (pred, target, n) => {
      if (!allFinite(pred)) return Number.NaN;
      const p = primary.head === "logits" ? pred.map(sigmoid) : pred;
      return edgeF1(p, target, n, primary.shape[0]!, primary.shape[1]!).f1;
    },
  };
  return { ok: true, binding };
}

/** A grey level at least `gap` from every level in `taken` (best effort after a few tries). */
function distinctLevel(rng: Rng, taken: readonly number[], gap: number): number {
  let level = rng.range(0.1, 0.9);
  for (let t = 0; t < 16 && taken.some((l) => Math.abs(l - level) < gap); t++) level = rng.range(0.1, 0.9);
  return level;
}

/**
 * Labels (0 = background, k = k-th polygon, later on top) and edges of one sample. Exported for the
 * tests, which check the edges against the labels.
 */
export function renderEdgeSample(
  rng: Rng,
  H: number,
  W: number,
  win: readonly [number, number, number, number],
): { labels: Uint8Array; edges: Uint8Array; levels: number[] } {
  const [top, left, h, w] = win;
  const side = Math.min(h, w);
  const labels = new Uint8Array(H * W);
  const levels = [rng.range(0.1, 0.9)];
  const count = rng.int(2, 5);
  for (let k = 1; k <= count; k++) {
    const r = side * rng.range(0.12, 0.3);
    const poly = randomPolygon(
      rng,
      left + rng.range(0.15, 0.85) * w,
      top + rng.range(0.15, 0.85) * h,
      r,
      rng.int(3, 7),
    );
    paint(labels, H, W, poly, k);
    levels.push(distinctLevel(rng, levels, 0.15));
  }
  const edges = new Uint8Array(H * W);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const p = y * W + x;
      const l = labels[p]!;
      if (l === 0) continue;
      if (
        (x > 0 && labels[p - 1]! < l) ||
        (x < W - 1 && labels[p + 1]! < l) ||
        (y > 0 && labels[p - W]! < l) ||
        (y < H - 1 && labels[p + W]! < l)
      ) {
        edges[p] = 1;
      }
    }
  }
  return { labels, edges, levels };
}

function generateEdges(
  n: number,
  seed: number,
  H: number,
  W: number,
  C: number,
  win: readonly [number, number, number, number],
  outputs: readonly ImageOutput[],
): TaskBatch {
  checkCount(n);
  const x = new Float32Array(n * H * W * C);
  const y = outputs.map((o) => new Float32Array(n * o.shape[0]! * o.shape[1]!));
  for (let k = 0; k < n; k++) {
    const rng = sampleRng(SALT, seed, k);
    const { labels, edges, levels } = renderEdgeSample(rng, H, W, win);
    const tex = smoothTexture(rng, H, W);
    const gray = new Float32Array(H * W);
    for (let p = 0; p < gray.length; p++) gray[p] = levels[labels[p]!]! + 0.25 * (tex[p]! - 0.5);
    fillChannels(x, k, gray, C, rng, 0.1);
    outputs.forEach((o, i) => {
      const m = mapBinary(edges, W, o.shape[0]!, o.shape[1]!, o.plan, "any");
      y[i]!.set(m, k * m.length);
    });
  }
  return { x, y, n };
}
