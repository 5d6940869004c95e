import type { Lowering } from "../lowering.js";

/**
 * Over the last axis, like Keras: a vector example is one Gemm (kernel [in, units] used as it is); any
 * other rank is MatMul (+ Add), on the channels-last tensor (an image input is transposed back first).
 */
export const dense: Lowering<"dense"> = (node, ctx) => {
  const x = ctx.input(0, "nhwc");
  const k = ctx.weight("kernel");
  const kernel = ctx.builder.floats(k.key, k.shape, k.data);
  const bias = node.params.useBias ? ctx.weight("bias") : undefined;
  const b = bias ? ctx.builder.floats(bias.key, bias.shape, bias.data) : undefined;
  if ((ctx.inputShapes[0] ?? []).length === 1)
    return ctx.emit("Gemm", b ? [x.name, kernel, b] : [x.name, kernel], "nhwc");
  if (!b) return ctx.emit("MatMul", [x.name, kernel], "nhwc");
  const product = ctx.aux("MatMul", "matmul", [x.name, kernel]);
  return ctx.emit("Add", [product, b], "nhwc");
};
