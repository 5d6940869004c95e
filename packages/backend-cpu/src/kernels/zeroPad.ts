import { toPads } from "@fusegraph/dsl";
import type { Compute, KernelArgs } from "./types.js";

/** Copies each example's [H,W,C] rows into a window of [outH,outW,C] starting at (top, left); the rest is zero. */
export function placeRows(
  x: Float32Array,
  y: Float32Array,
  batch: number,
  [H, W, C]: readonly number[],
  [outH, outW]: readonly number[],
  top: number,
  left: number,
): void {
  y.fill(0);
  const h = H ?? 0;
  const w = W ?? 0;
  const c = C ?? 0;
  for (let b = 0; b < batch; b++) {
    for (let iy = 0; iy < h; iy++) {
      const s = (b * h + iy) * w * c;
      const d = ((b * (outH ?? 0) + iy + top) * (outW ?? 0) + left) * c;
      y.set(x.subarray(s, s + w * c), d);
    }
  }
}

export function zeroPad({ node, inputShapes }: KernelArgs<"zeroPad">): Compute {
  const { top, left } = toPads(node.params.padding);
  const inShape = inputShapes[0] ?? [];
  return { run: ([x], y, batch) => placeRows(x!, y, batch, inShape, node.shape, top, left) };
}
