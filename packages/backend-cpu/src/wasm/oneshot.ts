import type { ConvGeom } from "../gemm.js";
import { WasmContext } from "./context.js";
import { geomArgs, runConvRows } from "./conv.js";

export type { ConvGeom } from "../gemm.js";
export { wasmKernelsSupported } from "./module.js";

/** Columns of one packed weight panel of the WebAssembly micro-kernel (4x8 register block). */
export const PANEL = 8;

/** Floats of packed weights for `g`: per group, ceil(fG / PANEL) panels of K x PANEL. */
export function panelFloats(g: ConvGeom): number {
  return g.groups * Math.ceil(g.fG / PANEL) * g.kh * g.kw * g.cinG * PANEL;
}

/**
 * One convolution call laid out in the shared memory: fill `x` (NHWC [batch, H, W, C]) and `packed`
 * (per group, panel p, depth k, column j at `((grp * nP + p) * K + k) * PANEL + j`, zero past fG), call
 * `run()`, read `y` ([batch, outH, outW, F]). The views are valid until the next `call()`.
 */
export interface OneShotCall {
  readonly x: Float32Array;
  readonly packed: Float32Array;
  readonly y: Float32Array;
  run(): void;
}

/**
 * Convolutions whose weights change on every call (training), on backend-cpu's WebAssembly SIMD GEMM.
 * Unlike `wasmConv`, which packs its weights once and keeps them, every call reuses one region of the
 * memory that only grows (doubling) when a larger call comes, so memory stays flat step after step.
 */
export class OneShotConv {
  private readonly ctx: WasmContext;
  private region = { ptr: 0, floats: 0 };

  constructor(threads: number) {
    this.ctx = new WasmContext(Math.max(1, Math.floor(threads)));
  }

  get threads(): number {
    return this.ctx.threads;
  }

  /** Bytes of WebAssembly memory in use (it never shrinks). */
  memoryBytes(): number {
    return this.ctx.heap.memory.buffer.byteLength;
  }

  call(g: ConvGeom, batch: number): OneShotCall {
    const xFloats = batch * g.H * g.W * g.C;
    const wFloats = panelFloats(g);
    const yFloats = batch * g.outH * g.outW * g.F;
    // NOTE: 4-float alignment keeps every view 16-byte aligned for the SIMD loads.
    const align = (n: number) => Math.ceil(n / 4) * 4;
    const need = align(xFloats) + align(wFloats) + align(yFloats) + align(g.F);
    if (need > this.region.floats) {
      const floats = Math.max(need, 2 * this.region.floats);
      this.region = { ptr: this.ctx.heap.alloc(floats), floats };
    }
    const xPtr = this.region.ptr;
    const wPtr = xPtr + align(xFloats) * 4;
    const yPtr = wPtr + align(wFloats) * 4;
    const bPtr = yPtr + align(yFloats) * 4;
    const { heap } = this.ctx;
    return {
      x: heap.floats(xPtr, xFloats),
      packed: heap.floats(wPtr, wFloats),
      y: heap.floats(yPtr, yFloats),
      run: () => this.run(g, batch, xPtr, wPtr, bPtr, yPtr),
    };
  }

  private run(g: ConvGeom, batch: number, xPtr: number, wPtr: number, bPtr: number, yPtr: number): void {
    const ctx = this.ctx;
    const geom = geomArgs(g, false);
    const head = (thread: number) => [xPtr, wPtr, bPtr, yPtr, yPtr, ctx.scratch[thread]!, ...geom];
    runConvRows(ctx, g, batch * g.outH * g.outW, head);
  }

  dispose(): void {
    this.ctx.dispose();
  }
}
