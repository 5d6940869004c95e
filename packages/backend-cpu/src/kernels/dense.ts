import { numel } from "@fusegraph/dsl";
import { matmulGeom } from "../gemm.js";
import { LINEAR } from "./activate.js";
import { gemmConv } from "./conv2d.js";
import type { Compute, KernelArgs } from "./types.js";

/**
 * Dense on the last axis: every leading position is a GEMM row (a 1x1 conv on a 1x1 image), on the
 * WebAssembly kernels when the args carry a context, else on the plain-JS GEMM.
 */
export function dense({
  node,
  inputShapes,
  weight,
  activation = LINEAR,
  wasm,
}: KernelArgs<"dense">): Compute {
  const shape = inputShapes[0] ?? [];
  const f = shape[shape.length - 1] ?? 0;
  const units = node.params.units;
  const rows = numel(shape.slice(0, -1));
  const conv = gemmConv(
    matmulGeom(f, units),
    weight("kernel"),
    node.params.useBias ? weight("bias") : undefined,
    {},
    activation,
    wasm,
  );
  return { run: (inputs, y, batch, rt) => conv.run(inputs, y, batch * rows, rt) };
}
dense.fuses = { activation: true };
