import type { Graph } from "@fusegraph/dsl";
import { checkCount, imageInput } from "./image-task.js";
import { isError, mismatch, type OutputInfo, outputInfos, shapeText } from "./inspect.js";
import { allFinite, meanSquaredError } from "./metrics.js";
import { sampleRng } from "./random.js";
import { planTarget } from "./resample.js";
import { fillChannels, smoothTexture } from "./texture.js";
import type { Task, TaskBatch, TaskBinding, TaskBindingResult, TaskIssue } from "./types.js";

const SALT = 0xb10b03;

/**
 * `blobs` — multi-scale blob-centre heatmaps, for FPN-like specs with outputs at several strides.
 * Renders 2–6 bright Gaussian blobs (amplitude 0.6–1, radius log-uniform from 1.5 px to 1/8 of the
 * shorter side) over a dim smooth texture (0–0.3) with ±0.05 pixel noise. Input [H, W, C] (H, W ≥ 8).
 * Target: at each supervised output's resolution, heat(p) = max over blobs of exp(-d²/2σ²), d the
 * distance in input pixels from the output pixel's centre to the blob centre, σ = max(radius / 2,
 * 0.6·stride) so a blob still covers about one pixel of a coarse map; 1 at a centre, near 0 far away.
 * Every rank-3 output ([h, w, c]) is supervised; its pixels map to the input by centre crop when it is
 * smaller but not an integer downscale, else by rescaling (stride H/h); every channel gets the same
 * heatmap. Outputs of other ranks are left unsupervised. The first supervised output is primary.
 * Loss: meanSquaredError on every supervised output. Metric: heatmap MSE of the primary output (lower
 * is better); predicting all zeros scores the mean squared heat (~0.01–0.05).
 */
export const blobsTask: Task = {
  name: "blobs",
  summary:
    "regress multi-scale Gaussian heatmaps of blob centres at every output stride (FPN); metric heatmap MSE",
  metric: { name: "heatmap MSE", higherIsBetter: false },
  bind: (graph) => bindBlobs(graph),
};

interface HeatOutput extends OutputInfo {
  /** Input coordinate of output pixel (y, x)'s centre: (offY + (y + 0.5)·sy, offX + (x + 0.5)·sx). */
  readonly map: { offY: number; offX: number; sy: number; sx: number };
}

export interface Blob {
  cx: number;
  cy: number;
  r: number;
  amp: number;
}

function bindBlobs(graph: Graph): TaskBindingResult {
  const input = imageInput(graph, "blobs");
  if (isError(input)) return { ok: false, issues: [input] };
  const [H, W, C] = input.shape as [number, number, number];
  const issues: TaskIssue[] = [];
  const heads: HeatOutput[] = [];
  const infos = outputInfos(graph);
  for (const o of infos) {
    if (o.shape.length !== 3) continue;
    if (o.head === "softmax") {
      issues.push(
        mismatch(
          ["outputs", o.index],
          `task "blobs": output "${o.id}" ends in a softmax, whose channels sum to 1; a heatmap does not`,
          "a linear, relu or sigmoid map [h, w, c]",
          "softmax",
          "drop the softmax (FPN's outputs are plain convs)",
          o.id,
        ),
      );
      continue;
    }
    const [h, w] = o.shape as [number, number, number];
    const plan = planTarget(input.shape, o.shape);
    const map =
      plan?.kind === "crop"
        ? { offY: plan.top, offX: plan.left, sy: 1, sx: 1 }
        : { offY: 0, offX: 0, sy: H / h, sx: W / w };
    heads.push({ ...o, map });
  }
  if (heads.length === 0 && issues.length === 0) {
    issues.push(
      mismatch(
        ["outputs"],
        `task "blobs": no output is a spatial map; outputs are ${infos.map((o) => `"${o.id}" ${shapeText(o.shape)}`).join(", ") || "none"}`,
        "at least one output [h, w, c]",
        infos.map((o) => shapeText(o.shape)).join(", ") || "no outputs",
        "blobs supervises feature maps (e.g. FPN's P2..P5); for class logits use --task sequence or shapes",
      ),
    );
  }
  if (issues.length > 0) return { ok: false, issues };
  const binding: TaskBinding = {
    task: blobsTask,
    input: { id: input.id, shape: [...input.shape] },
    outputs: heads.map((o) => ({ id: o.id, shape: [...o.shape], loss: "meanSquaredError" })),
    generate: (n, seed) => generateBlobs(n, seed, H, W, C, heads),
    score: (pred, target) => (allFinite(pred) ? meanSquaredError(pred, target) : Number.NaN),
  };
  return { ok: true, binding };
}

/** The blobs of one sample (exported for the tests, which look for the heatmap peaks). */
export function randomBlobs(rng: ReturnType<typeof sampleRng>, H: number, W: number): Blob[] {
  const side = Math.min(H, W);
  const rMin = 1.5;
  const rMax = Math.max(2, side / 8);
  const count = rng.int(2, 6);
  const blobs: Blob[] = [];
  for (let i = 0; i < count; i++) {
    const r = rMin * (rMax / rMin) ** rng.next();
    blobs.push({ cx: rng.range(r, W - r), cy: rng.range(r, H - r), r, amp: rng.range(0.6, 1) });
  }
  return blobs;
}

/** Heat at input point (py, px) for a map of stride `stride`. */
export function heatAt(blobs: readonly Blob[], py: number, px: number, stride: number): number {
  let best = 0;
  for (const b of blobs) {
    const s = Math.max(b.r / 2, 0.6 * stride);
    const d2 = (px - b.cx) ** 2 + (py - b.cy) ** 2;
    const v = Math.exp(-d2 / (2 * s * s));
    if (v > best) best = v;
  }
  return best;
}

function generateBlobs(
  n: number,
  seed: number,
  H: number,
  W: number,
  C: number,
  heads: readonly HeatOutput[],
): TaskBatch {
  checkCount(n);
  const x = new Float32Array(n * H * W * C);
  const y = heads.map((o) => new Float32Array(n * o.shape[0]! * o.shape[1]! * o.shape[2]!));
  const colGain = new Float64Array(W);
  for (let k = 0; k < n; k++) {
    const rng = sampleRng(SALT, seed, k);
    const blobs = randomBlobs(rng, H, W);
    const tex = smoothTexture(rng, H, W);
    const gray = new Float32Array(H * W);
    for (let p = 0; p < gray.length; p++) gray[p] = 0.3 * tex[p]!;
    for (const b of blobs) {
      // Beyond 4 radii a blob adds < 4e-4: draw it only inside that box.
      const y0 = Math.max(0, Math.floor(b.cy - 4 * b.r));
      const y1 = Math.min(H, Math.ceil(b.cy + 4 * b.r));
      const x0 = Math.max(0, Math.floor(b.cx - 4 * b.r));
      const x1 = Math.min(W, Math.ceil(b.cx + 4 * b.r));
      const k2 = -1 / (2 * b.r * b.r);
      // A Gaussian is separable: one exp per column and per row instead of one per pixel.
      for (let xx = x0; xx < x1; xx++) colGain[xx] = b.amp * Math.exp((xx + 0.5 - b.cx) ** 2 * k2);
      for (let yy = y0; yy < y1; yy++) {
        const gy = Math.exp((yy + 0.5 - b.cy) ** 2 * k2);
        for (let xx = x0; xx < x1; xx++) gray[yy * W + xx]! += gy * colGain[xx]!;
      }
    }
    fillChannels(x, k, gray, C, rng, 0.1);
    heads.forEach((o, i) => {
      const [h, w, c] = o.shape as [number, number, number];
      const { offY, offX, sy, sx } = o.map;
      const stride = Math.max(sy, sx);
      const out = y[i]!;
      let q = k * h * w * c;
      for (let oy = 0; oy < h; oy++) {
        for (let ox = 0; ox < w; ox++) {
          const v = heatAt(blobs, offY + (oy + 0.5) * sy, offX + (ox + 0.5) * sx, stride);
          out.fill(v, q, q + c);
          q += c;
        }
      }
    });
  }
  return { x, y, n };
}
