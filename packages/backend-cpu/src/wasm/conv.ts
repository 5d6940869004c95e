import { type ConvGeom, packedSize, packWeights } from "../gemm.js";
import type { Compute } from "../kernels/types.js";
import type { WasmContext } from "./context.js";
import { bindIo, unbindIo } from "./io.js";
import { wasmWinogradConv, winogradEligible } from "./winograd.js";

/** Below this many MACs the worker hand-off costs more than it saves. */
const PARALLEL_MACS = 1 << 21;
/**
 * Threads split the rows of 1x1 convs with at least this many (two of the kernel's 128-row blocks);
 * smaller ones split the 8-filter weight panels, so each thread streams only its share of the weights
 * (a 1x1 conv reads its rows in place, so no thread packs what another packs too).
 */
const ROW_SPLIT_MIN = 256;
/** Other convs split rows from this many on: splitting panels would have every thread im2col all rows. */
const ROW_SPLIT_MIN_PACKED = 64;

/** A conv's geometry as the wasm kernels' argument list (convRows, convChunks: same order). */
export function geomArgs(g: ConvGeom, residual = g.hasRes): number[] {
  return [
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
    residual ? 1 : 0,
  ];
}

/**
 * A conv on the WebAssembly SIMD kernels: weights packed once into the context's memory (times `scale`
 * per filter, a folded batchNorm, when given); inputs already in that memory are used in place, others
 * are copied in and the output out.
 */
export function wasmConv(
  g: ConvGeom,
  kernel: Float32Array,
  bias: Float32Array,
  ctx: WasmContext,
  scale?: Float32Array,
): Compute {
  if (ctx.winograd !== false && winogradEligible(g)) return wasmWinogradConv(g, kernel, bias, ctx, scale);
  const { heap } = ctx;
  const wFloats = packedSize(g, 8);
  const wPtr = heap.alloc(wFloats);
  packWeights(kernel, g, 8, heap.floats(wPtr, wFloats), scale);
  const bPtr = heap.alloc(g.F);
  heap.floats(bPtr, g.F).set(bias);
  const geom = geomArgs(g);
  return {
    run(inputs, y, batch) {
      const { xPtr, yPtr, rPtr } = bindIo(ctx, inputs[0]!, y, g.hasRes ? inputs[1] : undefined);
      const head = (thread: number) => [xPtr, wPtr, bPtr, rPtr, yPtr, ctx.scratch[thread]!, ...geom];
      runConvRows(ctx, g, batch * g.outH * g.outW, head);
      unbindIo(ctx, y, yPtr);
    },
  };
}

/** Whether convRows reads this conv's rows in place: 1x1, with no output in the padding (no im2col). */
function readsInPlace(g: ConvGeom): boolean {
  return (
    g.kh === 1 &&
    g.kw === 1 &&
    g.padT === 0 &&
    g.padL === 0 &&
    (g.outH - 1) * g.sh < g.H &&
    (g.outW - 1) * g.sw < g.W
  );
}

/**
 * Output rows [0, m) of `g` on the calling thread, or shared with the context's workers when large enough.
 * `head(thread)` is convRows' argument list up to the row range for that thread (its own scratch).
 */
export function runConvRows(
  ctx: WasmContext,
  g: ConvGeom,
  m: number,
  head: (thread: number) => number[],
): void {
  const nP = (g.fG + 7) >> 3;
  const pool = m * g.kh * g.kw * g.cinG * g.F >= PARALLEL_MACS ? ctx.workers() : undefined;
  if (!pool) {
    ctx.exports.convRows(...head(0), 0, m, 0, nP);
    return;
  }
  // About four chunks per thread, taken first come first served (see convChunks).
  const n = pool.size + 1;
  const byRows = m >= (readsInPlace(g) ? ROW_SPLIT_MIN : ROW_SPLIT_MIN_PACKED) || nP < 2 * n;
  const chunk = byRows ? Math.min(128, Math.max(32, Math.ceil(m / (16 * n)) * 4)) : Math.ceil(nP / (4 * n));
  const tail = [m, byRows ? 1 : 0, chunk, ctx.counter()];
  const slices = Array.from({ length: pool.size }, (_, t) => [...head(t + 1), ...tail]);
  pool.run("convChunks", slices, () => ctx.exports.convChunks(...head(0), ...tail));
}
