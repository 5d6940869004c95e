import { resizeSource } from "@fusegraph/dsl";
import type { Compute, KernelArgs } from "./types.js";

/** Source taps along one axis: indices i0, i1 and the weight of i1 (nearest: i1 = i0, weight 0). */
function taps(n: number, m: number, mode: "nearest" | "bilinear", alignCorners: boolean) {
  const i0 = new Int32Array(m);
  const i1 = new Int32Array(m);
  const t = new Float64Array(m);
  for (let d = 0; d < m; d++) {
    const s = resizeSource(d, n, m, mode, alignCorners);
    const lo = Math.floor(s);
    i0[d] = lo;
    i1[d] = Math.min(lo + 1, n - 1);
    t[d] = mode === "nearest" ? 0 : s - lo;
  }
  return { i0, i1, t };
}

/**
 * Nearest (src floor(dst*in/out)) or bilinear resize: half-pixel centres (PyTorch align_corners=False,
 * ONNX half_pixel) or alignCorners; the source rule is the dsl's `resizeSource`.
 */
export function upsample({ node, inputShapes }: KernelArgs<"upsample">): Compute {
  const [H = 0, W = 0, C = 0] = inputShapes[0] ?? [];
  const [h = 0, w = 0] = node.shape;
  const { mode, alignCorners } = node.params;
  const ty = taps(H, h, mode, alignCorners);
  const tx = taps(W, w, mode, alignCorners);
  return {
    run([x], y, batch) {
      for (let b = 0; b < batch; b++) {
        for (let oy = 0; oy < h; oy++) {
          const r0 = (b * H + ty.i0[oy]!) * W;
          const r1 = (b * H + ty.i1[oy]!) * W;
          const wy = ty.t[oy]!;
          for (let ox = 0; ox < w; ox++) {
            const wx = tx.t[ox]!;
            const a = (r0 + tx.i0[ox]!) * C;
            const d = ((b * h + oy) * w + ox) * C;
            if (mode === "nearest") {
              for (let c = 0; c < C; c++) y[d + c] = x![a + c]!;
              continue;
            }
            const bb = (r0 + tx.i1[ox]!) * C;
            const cc = (r1 + tx.i0[ox]!) * C;
            const dd = (r1 + tx.i1[ox]!) * C;
            for (let c = 0; c < C; c++) {
              const top = x![a + c]! * (1 - wx) + x![bb + c]! * wx;
              const bottom = x![cc + c]! * (1 - wx) + x![dd + c]! * wx;
              y[d + c] = top * (1 - wy) + bottom * wy;
            }
          }
        }
      }
    },
  };
}
