import { attr } from "../graph-builder.js";
import { alignedInputs, inputAt, type Lowering, onnxAxis } from "../lowering.js";

/** Relu, LeakyRelu, Sigmoid, Tanh, or Softmax along the example axis mapped into the tensor's layout. */
export const activation: Lowering<"activation"> = (node, ctx) => {
  const x = inputAt(ctx, 0);
  const p = node.params;
  switch (p.fn) {
    case "relu":
      return ctx.emit("Relu", [x.name], x.layout);
    case "leakyRelu":
      return ctx.emit("LeakyRelu", [x.name], x.layout, { alpha: attr.float(p.alpha) });
    case "sigmoid":
      return ctx.emit("Sigmoid", [x.name], x.layout);
    case "tanh":
      return ctx.emit("Tanh", [x.name], x.layout);
    case "softmax": {
      const rank = (ctx.inputShapes[0] ?? []).length;
      return ctx.emit("Softmax", [x.name], x.layout, { axis: attr.int(onnxAxis(p.axis, rank, x.layout)) });
    }
  }
};

/** Identity: dropout does nothing at inference. */
export const dropout: Lowering<"dropout"> = (_node, ctx) => {
  const x = inputAt(ctx, 0);
  return ctx.emit("Identity", [x.name], x.layout);
};

/** Add of the scalar `bias` [1], broadcast. */
export const biasAdd: Lowering<"biasAdd"> = (_node, ctx) => {
  const x = inputAt(ctx, 0);
  const b = ctx.weight("bias");
  return ctx.emit("Add", [x.name, ctx.builder.floats(b.key, b.shape, b.data)], x.layout);
};

/** One Sum of every input (in one layout). */
export const add: Lowering<"add"> = (_node, ctx) => {
  const { names, layout } = alignedInputs(ctx);
  return ctx.emit("Sum", names, layout);
};

/** Mul is binary: a chain `<id>/mul1`, … ending in the node's own Mul. */
export const multiply: Lowering<"multiply"> = (_node, ctx) => {
  const { names, layout } = alignedInputs(ctx);
  let acc = names[0] ?? "";
  for (let i = 1; i < names.length - 1; i++) acc = ctx.aux("Mul", `mul${i}`, [acc, names[i] ?? ""]);
  return ctx.emit("Mul", [acc, names[names.length - 1] ?? ""], layout);
};

/**
 * x * w[:, index] for the per-example weights w [N, n] of a fusionWeights node: Slice the column
 * ([N, 1]), Unsqueeze it to x's rank, Mul.
 */
export const scaleBy: Lowering<"scaleBy"> = (node, ctx) => {
  const x = inputAt(ctx, 0);
  const w = inputAt(ctx, 1);
  const i = node.params.index;
  let column = ctx.aux("Slice", "column", [
    w.name,
    ctx.ints("start", [i]),
    ctx.ints("end", [i + 1]),
    ctx.ints("axes", [1]),
  ]);
  const rank = (ctx.inputShapes[0] ?? []).length;
  if (rank > 1) {
    const axes = Array.from({ length: rank - 1 }, (_, k) => k + 2);
    column = ctx.aux("Unsqueeze", "scale", [column, ctx.ints("unsqueeze_axes", axes)]);
  }
  return ctx.emit("Mul", [x.name, column], x.layout);
};
