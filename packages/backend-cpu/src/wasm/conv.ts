import { type ConvGeom, packedSize, packWeights } from "../gemm.js";
import type { Compute } from "../kernels/types.js";
import type { WasmContext } from "./context.js";

/** Below this many MACs the worker hand-off costs more than it saves. */
const PARALLEL_MACS = 1 << 21;
/**
 * Threads split the rows of convs with at least this many (two of the kernel's 128-row blocks); smaller
 * ones split the 8-filter weight panels, so each thread streams only its share of the weights.
 */
const ROW_SPLIT_MIN = 256;

/**
 * A conv on the WebAssembly SIMD kernels: weights (already folded) packed once into the context's memory;
 * each run copies the input (and residual) in, computes, and copies the output out.
 */
export function wasmConv(g: ConvGeom, kernel: Float32Array, bias: Float32Array, ctx: WasmContext): Compute {
  const { heap } = ctx;
  const wFloats = packedSize(g, 8);
  const wPtr = heap.alloc(wFloats);
  packWeights(kernel, g, 8, heap.floats(wPtr, wFloats));
  const bPtr = heap.alloc(g.F);
  heap.floats(bPtr, g.F).set(bias);
  const macsPerRow = g.kh * g.kw * g.cinG * g.F;
  const geom = [
    g.H,
    g.W,
    g.C,
    g.outH,
    g.outW,
    g.kh,
    g.kw,
    g.sh,
    g.sw,
    g.dh,
    g.dw,
    g.padT,
    g.padL,
    g.groups,
    g.cinG,
    g.F,
    g.fG,
    g.act,
    g.alpha,
    g.hasBias ? 1 : 0,
    g.hasRes ? 1 : 0,
  ];
  return {
    run(inputs, y, batch) {
      const x = inputs[0]!;
      const res = g.hasRes ? inputs[1] : undefined;
      // Arrays already in this memory (the executor's arena) are used in place; others are copied in.
      let xPtr = heap.offsetOf(x);
      let yPtr = heap.offsetOf(y);
      let rPtr = res ? heap.offsetOf(res) : yPtr;
      if (xPtr < 0 || yPtr < 0 || rPtr < 0) {
        xPtr = ctx.ioRegion(x.length + y.length * (res ? 2 : 1));
        yPtr = xPtr + x.length * 4;
        rPtr = res ? yPtr + y.length * 4 : yPtr;
        heap.floats(xPtr, x.length).set(x);
        if (res) heap.floats(rPtr, res.length).set(res);
      }
      const m = batch * g.outH * g.outW;
      const nP = (g.fG + 7) >> 3;
      const pool = m * macsPerRow >= PARALLEL_MACS ? ctx.workers() : undefined;
      const head = (thread: number) => [xPtr, wPtr, bPtr, rPtr, yPtr, ctx.scratch[thread]!, ...geom];
      if (!pool) {
        ctx.exports.convRows(...head(0), 0, m, 0, nP);
      } else {
        // About four chunks per thread, taken first come first served (see convChunks).
        const n = pool.size + 1;
        const byRows = m >= ROW_SPLIT_MIN || nP < 2 * n;
        const chunk = byRows
          ? Math.min(128, Math.max(32, Math.ceil(m / (16 * n)) * 4))
          : Math.ceil(nP / (4 * n));
        const tail = [m, byRows ? 1 : 0, chunk, ctx.counter()];
        const slices = Array.from({ length: pool.size }, (_, t) => [...head(t + 1), ...tail]);
        pool.conv(slices, () => ctx.exports.convChunks(...head(0), ...tail));
      }
      if (heap.offsetOf(y) !== yPtr) y.set(heap.floats(yPtr, y.length));
    },
  };
}
