import { centreCropOffsets, toPads } from "@fusegraph/dsl";
import type { Compute, KernelArgs } from "./types.js";

/** Centre crop to `like`'s H,W (offset floor((H-h)/2)) or explicit cropping [t,b,l,r]. */
export function crop({ node, inputShapes }: KernelArgs<"crop">): Compute {
  const [H = 0, W = 0, C = 0] = inputShapes[0] ?? [];
  const [h = 0, w = 0] = node.shape;
  const [top, left] =
    node.params.cropping !== undefined
      ? [toPads(node.params.cropping).top, toPads(node.params.cropping).left]
      : centreCropOffsets([H, W], [h, w]);
  return {
    run([x], y, batch) {
      for (let b = 0; b < batch; b++) {
        for (let oy = 0; oy < h; oy++) {
          const s = ((b * H + oy + top) * W + left) * C;
          y.set(x!.subarray(s, s + w * C), (b * h + oy) * w * C);
        }
      }
    },
  };
}
