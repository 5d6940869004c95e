import type { WasmContext } from "./context.js";

/**
 * Byte offsets of a conv's input, output and residual (the output's when there is none). Arrays already
 * in the context's memory (the executor's arena) are used in place; otherwise all three go to the I/O
 * region, input and residual copied in, and the caller copies the output out (see `unbindIo`).
 */
export function bindIo(
  ctx: WasmContext,
  x: Float32Array,
  y: Float32Array,
  res: Float32Array | undefined,
): { xPtr: number; yPtr: number; rPtr: number } {
  const { heap } = ctx;
  const xPtr = heap.offsetOf(x);
  const yPtr = heap.offsetOf(y);
  const rPtr = res ? heap.offsetOf(res) : yPtr;
  if (xPtr >= 0 && yPtr >= 0 && rPtr >= 0) return { xPtr, yPtr, rPtr };
  const io = ctx.ioRegion(x.length + y.length * (res ? 2 : 1));
  const out = io + x.length * 4;
  heap.floats(io, x.length).set(x);
  if (res) heap.floats(out + y.length * 4, res.length).set(res);
  return { xPtr: io, yPtr: out, rPtr: res ? out + y.length * 4 : out };
}

/** Copies the output out of the I/O region when `bindIo` put it there. */
export function unbindIo(ctx: WasmContext, y: Float32Array, yPtr: number): void {
  if (ctx.heap.offsetOf(y) !== yPtr) y.set(ctx.heap.floats(yPtr, y.length));
}
