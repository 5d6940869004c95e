import { pool2d, poolGeom } from "./pool2d.js";
import type { Compute, KernelArgs } from "./types.js";

/**
 * Max pooling; with a WebAssembly context, on its SIMD kernel when the buffers live in that memory (the
 * executor's arena does): ~3x the cold JS loop on ResNet-50's one 112x112x64 pool, which never warms up.
 */
export function maxPool({ node, inputShapes, wasm }: KernelArgs<"maxPool">): Compute {
  const g = poolGeom(inputShapes[0] ?? [], node.params);
  const geom = [g.H, g.W, g.C, g.outH, g.outW, g.kh, g.kw, g.sh, g.sw, g.dh, g.dw, g.pads.top, g.pads.left];
  return {
    run: ([x], y, batch) => {
      const xPtr = wasm ? wasm.heap.offsetOf(x!) : -1;
      const yPtr = wasm ? wasm.heap.offsetOf(y) : -1;
      if (wasm && xPtr >= 0 && yPtr >= 0) wasm.exports.maxPool(xPtr, yPtr, batch, ...geom);
      else pool2d(x!, y, batch, g, "max", false);
    },
  };
}
