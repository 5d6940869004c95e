import type { ConvGeom } from "../gemm.js";
import type { Compute } from "../kernels/types.js";
import type { WasmContext } from "./context.js";
import { bindIo, unbindIo } from "./io.js";

/** Below this many MACs (of the direct conv) the worker hand-off costs more than it saves. */
const PARALLEL_MACS = 1 << 21;
/** Tiles per block of the kernel (assembly/gemm.ts WT) and 8-filter panels per filter chunk (WFC / 8). */
const TILE_BLOCK = 32;
const PANEL_BLOCK = 8;

/** Fewest output pixels per image for Winograd: below, its 16/9 larger weights cost more than it saves. */
const MIN_PIXELS = 100;

/**
 * Whether the Winograd F(2x2, 3x3) kernel takes this conv: 3x3, stride 1, undilated, one group, channel
 * and filter counts divisible by 4 (its SIMD lanes), an activation its epilogue has (linear, relu,
 * leakyRelu), and enough channels, filters and pixels for the transforms to pay.
 */
export function winogradEligible(g: ConvGeom): boolean {
  return (
    g.kh === 3 &&
    g.kw === 3 &&
    g.sh === 1 &&
    g.sw === 1 &&
    g.dh === 1 &&
    g.dw === 1 &&
    g.groups === 1 &&
    g.C % 4 === 0 &&
    g.F % 4 === 0 &&
    g.C >= 16 &&
    g.F >= 16 &&
    g.outH * g.outW >= MIN_PIXELS &&
    g.act <= 2
  );
}

/** Floats of Winograd weights: 16 matrices of C x (F rounded up to 8-filter panels). */
export function winogradWeightFloats(g: ConvGeom): number {
  return 16 * g.C * Math.ceil(g.F / 8) * 8;
}

/**
 * U = G g G^T of every 3x3 kernel slice (Keras layout [3, 3, C, F]; times `scale` per filter when given,
 * rounded to float32 as the direct path's packing does), in double precision, packed as the
 * micro-kernel's B panels: out[xi][panel][c][8] with xi = 4 * row + column of the 4x4 transform.
 */
export function packWinogradWeights(
  kernel: Float32Array,
  g: ConvGeom,
  out: Float32Array,
  scale?: Float32Array,
): void {
  const { C, F } = g;
  const nP = Math.ceil(F / 8);
  const k = new Float64Array(9);
  const t = new Float64Array(12);
  out.fill(0);
  for (let c = 0; c < C; c++) {
    for (let f = 0; f < F; f++) {
      const sf = scale ? scale[f]! : 1;
      for (let i = 0; i < 9; i++) k[i] = Math.fround(kernel[(i * C + c) * F + f]! * sf);
      // t = G k (4x3): rows g0, (g0+g1+g2)/2, (g0-g1+g2)/2, g2.
      for (let j = 0; j < 3; j++) {
        const a = k[j]!;
        const b = k[3 + j]!;
        const d = k[6 + j]!;
        t[j] = a;
        t[3 + j] = (a + b + d) / 2;
        t[6 + j] = (a - b + d) / 2;
        t[9 + j] = d;
      }
      // U = t G^T (4x4), the same map over columns.
      const base = (Math.floor(f / 8) * C + c) * 8 + (f % 8);
      for (let i = 0; i < 4; i++) {
        const a = t[3 * i]!;
        const b = t[3 * i + 1]!;
        const d = t[3 * i + 2]!;
        const row = [a, (a + b + d) / 2, (a - b + d) / 2, d];
        for (let j = 0; j < 4; j++) out[(4 * i + j) * nP * C * 8 + base] = row[j]!;
      }
    }
  }
}

/**
 * A 3x3 stride-1 conv on the WebAssembly Winograd F(2x2, 3x3) kernel (`winogradEligible`): the
 * transformed weights live in the context's memory; inputs are used in place when they are already there.
 */
export function wasmWinogradConv(
  g: ConvGeom,
  kernel: Float32Array,
  bias: Float32Array,
  ctx: WasmContext,
  scale?: Float32Array,
): Compute {
  const { heap } = ctx;
  const uFloats = winogradWeightFloats(g);
  const uPtr = heap.alloc(uFloats);
  packWinogradWeights(kernel, g, heap.floats(uPtr, uFloats), scale);
  const bPtr = heap.alloc(g.F);
  heap.floats(bPtr, g.F).set(bias);
  const macsPerRow = 9 * g.C * g.F;
  const tilesPerImage = Math.ceil(g.outH / 2) * Math.ceil(g.outW / 2);
  const nP = Math.ceil(g.F / 8);
  const geom = [g.H, g.W, g.C, g.outH, g.outW, g.padT, g.padL, g.F, g.act, g.alpha, g.hasBias ? 1 : 0];
  return {
    run(inputs, y, batch) {
      const { xPtr, yPtr, rPtr } = bindIo(ctx, inputs[0]!, y, g.hasRes ? inputs[1] : undefined);
      const tiles = batch * tilesPerImage;
      const m = batch * g.outH * g.outW;
      const pool = m * macsPerRow >= PARALLEL_MACS ? ctx.workers() : undefined;
      const head = (thread: number) => [
        xPtr,
        uPtr,
        bPtr,
        rPtr,
        yPtr,
        ctx.scratch[thread]!,
        ...geom,
        g.hasRes ? 1 : 0,
        batch,
      ];
      if (!pool) {
        ctx.exports.winograd(...head(0), 0, tiles, 0, nP);
      } else {
        // Chunks of one tile block by one filter block, or smaller ones when that leaves under four per thread.
        const n = pool.size + 1;
        const tBlocks = Math.ceil(tiles / TILE_BLOCK);
        const pChunk = Math.max(1, Math.min(PANEL_BLOCK, Math.ceil((nP * tBlocks) / (4 * n))));
        const tChunk =
          tBlocks * Math.ceil(nP / pChunk) >= 4 * n
            ? TILE_BLOCK
            : Math.max(4, Math.ceil(tiles / (4 * n) / 4) * 4);
        const tail = [tChunk, pChunk, ctx.counter()];
        const slices = Array.from({ length: pool.size }, (_, t) => [...head(t + 1), ...tail]);
        pool.run("winogradChunks", slices, () => ctx.exports.winogradChunks(...head(0), ...tail));
      }
      unbindIo(ctx, y, yPtr);
    },
  };
}
