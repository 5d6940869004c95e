import type { WasmContext } from "../wasm/context.js";
import { LINEAR } from "./activate.js";
import { gemmConv } from "./conv2d.js";
import type { Compute, KernelArgs } from "./types.js";

/** Dense on the last axis: every leading position is a GEMM row (a 1x1 conv on a 1x1 image). */
export function dense(args: KernelArgs<"dense">): Compute {
  return denseWith(args);
}

/** Dense on the plain-JS GEMM, or on the WebAssembly kernels of `wasm` when given. */
export function denseWith(
  { node, inputShapes, weight, activation = LINEAR }: KernelArgs<"dense">,
  wasm?: WasmContext,
): Compute {
  const shape = inputShapes[0] ?? [];
  const f = shape[shape.length - 1] ?? 0;
  const units = node.params.units;
  const rows = shape.slice(0, -1).reduce((a, b) => a * b, 1);
  const g = {
    H: 1,
    W: 1,
    C: f,
    outH: 1,
    outW: 1,
    kh: 1,
    kw: 1,
    sh: 1,
    sw: 1,
    dh: 1,
    dw: 1,
    padT: 0,
    padL: 0,
    groups: 1,
    cinG: f,
    F: units,
    fG: units,
    act: 0,
    alpha: 0,
    hasBias: false,
    hasRes: false,
  };
  const conv = gemmConv(
    g,
    weight("kernel"),
    node.params.useBias ? weight("bias") : undefined,
    {},
    activation,
    wasm,
  );
  return { run: (inputs, y, batch, rt) => conv.run(inputs, y, batch * rows, rt) };
}
