import type { Graph } from "@fusegraph/dsl";
import { paint, randomPolygon, rectangle, type Shape2d } from "./geometry.js";
import { checkCount, type ImageOutput, imageInput, pixelOutputs, targetWindow } from "./image-task.js";
import { isError, mismatch } from "./inspect.js";
import { allFinite, foregroundOfOneChannel, foregroundOfTwoChannels, meanIoU } from "./metrics.js";
import { type Rng, sampleRng } from "./random.js";
import { mapBinary } from "./resample.js";
import { fillChannels, smoothTexture } from "./texture.js";
import type { LossKind, Task, TaskBatch, TaskBinding, TaskBindingResult, TaskIssue } from "./types.js";

const SALT = 0x5a4e01;

/**
 * `shapes` — foreground segmentation, for U-Net-like specs.
 * Renders 1–4 random discs, rotated rectangles and triangles (radius 12–28 % of the target window's
 * shorter side, centres inside the window) on a smooth two-octave texture: background 0.1–0.55,
 * shapes 0.45–0.9 with their own texture, so intensity alone does not separate them; ±0.05 pixel noise.
 * Input [H, W, C] (H, W ≥ 8, any C: each channel is the image with its own gain/offset).
 * Target: the binary mask, per output [h, w, 1] or [h, w, 2]:
 * - same size as the input, or the CENTRE CROP when smaller (U-Net's valid convolutions; offsets
 *   floor((H-h)/2), as the crop op), or an integer downscale (block majority) when H = f·h, W = f·w;
 * - 1 channel: the mask; loss binaryCrossentropy (…FromLogits when the output has no sigmoid);
 * - 2 channels: one-hot [background, foreground]; loss categoricalCrossentropy (…FromLogits when the
 *   output has no softmax); a sigmoid 2-channel output gets binaryCrossentropy per channel.
 * Every output must fit (all are supervised, deep-supervision style); the first is primary.
 * Metric: foreground IoU of the primary output (threshold 0.5 on probabilities, 0 on logits, argmax for
 * 2 channels), per sample, averaged; a sample with both masks empty scores 1.
 * Foreground is ~20 % of the target pixels (tiny-unet, 256 samples; the tests allow 8–40 %).
 */
export const shapesTask: Task = {
  name: "shapes",
  summary: "segment random discs, rectangles and triangles on textured noise (U-Net); metric foreground IoU",
  metric: { name: "IoU", higherIsBetter: true },
  bind: (graph) => bindShapes(graph),
};

function bindShapes(graph: Graph): TaskBindingResult {
  const input = imageInput(graph, "shapes");
  if (isError(input)) return { ok: false, issues: [input] };
  const hint =
    "shapes supervises every output as a 1-channel mask or a 2-channel (background, foreground) map";
  const { outputs, issues } = pixelOutputs(graph, "shapes", input, [1, 2], hint);
  const losses: LossKind[] = [];
  for (const o of outputs) {
    const c = o.shape[2];
    if (c === 1 && o.head === "softmax") {
      issues.push(softmaxOnOne(o));
      continue;
    }
    losses.push(
      c === 1
        ? o.head === "sigmoid"
          ? "binaryCrossentropy"
          : "binaryCrossentropyFromLogits"
        : o.head === "softmax"
          ? "categoricalCrossentropy"
          : o.head === "sigmoid"
            ? "binaryCrossentropy"
            : "categoricalCrossentropyFromLogits",
    );
  }
  if (issues.length > 0) return { ok: false, issues };
  const [H, W, C] = input.shape as [number, number, number];
  const primary = outputs[0]!;
  const win = targetWindow(primary.plan, H, W, primary.shape);
  const binding: TaskBinding = {
    task: shapesTask,
    input: { id: input.id, shape: [...input.shape] },
    outputs: outputs.map((o, i) => ({ id: o.id, shape: [...o.shape], loss: losses[i]! })),
    generate: (n, seed) => generateShapes(n, seed, H, W, C, win, outputs),
    score: (pred, target, n) => {
      if (!allFinite(pred)) return Number.NaN;
      const two = primary.shape[2] === 2;
      const p = two
        ? foregroundOfTwoChannels(pred)
        : foregroundOfOneChannel(pred, primary.head === "logits" ? 0 : 0.5);
      const t = two ? foregroundOfTwoChannels(target) : foregroundOfOneChannel(target, 0.5);
      return meanIoU(p, t, n);
    },
  };
  return { ok: true, binding };
}

function softmaxOnOne(o: ImageOutput): TaskIssue {
  return mismatch(
    ["outputs", o.index],
    `task "shapes": output "${o.id}" is a softmax over 1 channel, which is always 1`,
    "a 1-channel sigmoid (or raw) output, or a 2-channel softmax",
    "softmax over [.., 1]",
    "use fn: sigmoid on a 1-channel output, or 2 filters with softmax",
    o.id,
  );
}

/** The random shapes of one sample, centred inside the target window. */
function randomShapes(rng: Rng, win: readonly [number, number, number, number]): Shape2d[] {
  const [top, left, h, w] = win;
  const side = Math.min(h, w);
  const count = rng.int(1, 4);
  const shapes: Shape2d[] = [];
  for (let i = 0; i < count; i++) {
    const r = side * rng.range(0.12, 0.28);
    const cx = left + rng.range(0.1, 0.9) * w;
    const cy = top + rng.range(0.1, 0.9) * h;
    const kind = rng.int(0, 2);
    if (kind === 0) shapes.push({ kind: "disc", cx, cy, r });
    else if (kind === 1)
      shapes.push(rectangle(cx, cy, r * rng.range(0.6, 1), r * rng.range(0.6, 1), rng.range(0, Math.PI)));
    else shapes.push(randomPolygon(rng, cx, cy, r * 1.25, 3));
  }
  return shapes;
}

function generateShapes(
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
  const y = outputs.map((o) => new Float32Array(n * o.shape[0]! * o.shape[1]! * o.shape[2]!));
  const mask = new Uint8Array(H * W);
  for (let k = 0; k < n; k++) {
    const rng = sampleRng(SALT, seed, k);
    mask.fill(0);
    for (const s of randomShapes(rng, win)) paint(mask, H, W, s, 1);
    const tex = smoothTexture(rng, H, W);
    const gray = new Float32Array(H * W);
    const last = gray.length - 1;
    // Shapes read the texture point-mirrored: a different pattern from the background's, at no cost.
    for (let p = 0; p <= last; p++) gray[p] = mask[p] ? 0.45 + 0.45 * tex[last - p]! : 0.1 + 0.45 * tex[p]!;
    fillChannels(x, k, gray, C, rng, 0.1);
    outputs.forEach((o, i) => {
      const m = mapBinary(mask, W, o.shape[0]!, o.shape[1]!, o.plan, "majority");
      writeMaskTarget(y[i]!, k, m, o.shape[2]!);
    });
  }
  return { x, y, n };
}

function writeMaskTarget(y: Float32Array, k: number, m: Uint8Array, c: number): void {
  const base = k * m.length * c;
  if (c === 1) {
    for (let p = 0; p < m.length; p++) y[base + p] = m[p]!;
    return;
  }
  for (let p = 0; p < m.length; p++) {
    y[base + 2 * p] = 1 - m[p]!;
    y[base + 2 * p + 1] = m[p]!;
  }
}
