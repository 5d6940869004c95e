import { attr } from "../graph-builder.js";
import { alignedInputs, type Lowering, onnxAxis } from "../lowering.js";

/** Flatten(axis 1) of the channels-last tensor, so the order is fusegraph's (row-major over H, W, C). */
export const flatten: Lowering<"flatten"> = (_node, ctx) =>
  ctx.emit("Flatten", [ctx.input(0, "nhwc").name], "nhwc", { axis: attr.int(1) });

/** Concat along the example axis mapped into the layout the inputs meet in. */
export const concat: Lowering<"concat"> = (node, ctx) => {
  const { names, layout } = alignedInputs(ctx);
  const rank = (ctx.inputShapes[0] ?? []).length;
  return ctx.emit("Concat", names, layout, { axis: attr.int(onnxAxis(node.params.axis, rank, layout)) });
};
