import type { ConvGeom } from "../gemm.js";
import type { Compute } from "../kernels/types.js";
import type { WasmContext } from "./context.js";
import { bindIo, unbindIo } from "./io.js";

/** Below this many MACs (of the direct conv) the worker hand-off costs more than it saves. */
const PARALLEL_MACS = 1 << 21;
/** 8-filter panels per filter chunk of the kernel (assembly/gemm.ts WFC / 8). */
const PANEL_BLOCK = 8;

/** Fewest output pixels per image for Winograd: below, its 16/9 larger weights cost more than it saves. */
const MIN_PIXELS = 100;
/** Fewest output rows and columns for F(4x4, 3x3) by default: on smaller maps its 4x4 tiles waste more than they save. */
const F4_MIN_SIDE = 16;

/**
 * Which Winograd kernel eligible convs run on: true picks by map size (F(4x4, 3x3) from 16x16 on, F(2x2,
 * 3x3) below), "2x2" / "4x4" force one tile size, false turns Winograd off.
 */
export type WinogradMode = boolean | "2x2" | "4x4";

/** Output tile side (2 or 4) of the Winograd kernel an eligible conv runs on under `mode`. */
export function winogradTile(g: ConvGeom, mode: WinogradMode): 2 | 4 {
  if (mode === "2x2" || mode === "4x4") return mode === "2x2" ? 2 : 4;
  return g.outH >= F4_MIN_SIDE && g.outW >= F4_MIN_SIDE ? 4 : 2;
}

/** Geometry of one tile size: input patch side, transform matrices (xi) and tiles per kernel block (WT, WT4). */
function tiling(tile: 2 | 4): { patch: number; xis: number; block: number } {
  return tile === 2 ? { patch: 4, xis: 16, block: 32 } : { patch: 6, xis: 36, block: 16 };
}

/**
 * Whether the Winograd kernels take this conv: 3x3, stride 1, undilated, one group, channel
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

/** Floats of Winograd weights: 16 (F(2x2)) or 36 (F(4x4)) matrices of C x (F rounded up to 8-filter panels). */
export function winogradWeightFloats(g: ConvGeom, tile: 2 | 4 = 2): number {
  return tiling(tile).xis * g.C * Math.ceil(g.F / 8) * 8;
}

/** Rows of G for F(2x2, 3x3) and F(4x4, 3x3) (Lavin & Gray, 2016): U = G g G^T. */
const G_ROWS: Record<2 | 4, readonly (readonly number[])[]> = {
  2: [
    [1, 0, 0],
    [1 / 2, 1 / 2, 1 / 2],
    [1 / 2, -1 / 2, 1 / 2],
    [0, 0, 1],
  ],
  4: [
    [1 / 4, 0, 0],
    [-1 / 6, -1 / 6, -1 / 6],
    [-1 / 6, 1 / 6, -1 / 6],
    [1 / 24, 1 / 12, 1 / 6],
    [1 / 24, -1 / 12, 1 / 6],
    [0, 0, 1],
  ],
};

/**
 * U = G g G^T of every 3x3 kernel slice (Keras layout [3, 3, C, F]; times `scale` per filter when given,
 * rounded to float32 as the direct path's packing does), in double precision, packed as the
 * micro-kernel's B panels: out[xi][panel][c][8] with xi = a * row + column of the a x a transform
 * (a = 4 for F(2x2), 6 for F(4x4)).
 */
export function packWinogradWeights(
  kernel: Float32Array,
  g: ConvGeom,
  out: Float32Array,
  scale?: Float32Array,
  tile: 2 | 4 = 2,
): void {
  const { C, F } = g;
  const nP = Math.ceil(F / 8);
  const G = G_ROWS[tile];
  const a = G.length;
  const k = new Float64Array(9);
  const t = new Float64Array(a * 3);
  out.fill(0);
  for (let c = 0; c < C; c++) {
    for (let f = 0; f < F; f++) {
      const sf = scale ? scale[f]! : 1;
      for (let i = 0; i < 9; i++) k[i] = Math.fround(kernel[(i * C + c) * F + f]! * sf);
      // t = G k (a x 3), then U = t G^T (a x a).
      for (let i = 0; i < a; i++) {
        const gi = G[i]!;
        for (let j = 0; j < 3; j++) t[3 * i + j] = gi[0]! * k[j]! + gi[1]! * k[3 + j]! + gi[2]! * k[6 + j]!;
      }
      const base = (Math.floor(f / 8) * C + c) * 8 + (f % 8);
      for (let i = 0; i < a; i++) {
        for (let j = 0; j < a; j++) {
          const gj = G[j]!;
          const u = t[3 * i]! * gj[0]! + t[3 * i + 1]! * gj[1]! + t[3 * i + 2]! * gj[2]!;
          out[(a * i + j) * nP * C * 8 + base] = u;
        }
      }
    }
  }
}

/**
 * A 3x3 stride-1 conv on a WebAssembly Winograd kernel (`winogradEligible`; tile size by `winogradTile`): the
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
  const tile = winogradTile(g, ctx.winograd);
  const { block } = tiling(tile);
  const uFloats = winogradWeightFloats(g, tile);
  const uPtr = heap.alloc(uFloats);
  packWinogradWeights(kernel, g, heap.floats(uPtr, uFloats), scale, tile);
  const bPtr = heap.alloc(g.F);
  heap.floats(bPtr, g.F).set(bias);
  const macsPerRow = 9 * g.C * g.F;
  const tilesPerImage = Math.ceil(g.outH / tile) * Math.ceil(g.outW / tile);
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
        tile,
      ];
      if (!pool) {
        ctx.exports.winograd(...head(0), 0, tiles, 0, nP);
      } else {
        // Chunks of one tile block by one filter block, or smaller ones when that leaves under four per thread.
        // With one filter block (F <= 64) only tiles are split: splitting filters would have every chunk
        // transform the same input tiles again.
        const n = pool.size + 1;
        const tBlocks = Math.ceil(tiles / block);
        const pChunk =
          nP <= PANEL_BLOCK ? nP : Math.max(1, Math.min(PANEL_BLOCK, Math.ceil((nP * tBlocks) / (4 * n))));
        const tChunk =
          tBlocks * Math.ceil(nP / pChunk) >= 4 * n ? block : Math.max(4, Math.ceil(tiles / (4 * n) / 4) * 4);
        const tail = [tChunk, pChunk, ctx.counter()];
        const slices = Array.from({ length: pool.size }, (_, t) => [...head(t + 1), ...tail]);
        pool.run("winogradChunks", slices, () => ctx.exports.winogradChunks(...head(0), ...tail));
      }
      unbindIo(ctx, y, yPtr);
    },
  };
}
