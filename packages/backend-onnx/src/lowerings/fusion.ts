import type { NormalizeMode } from "@fusegraph/dsl";
import { attr } from "../graph-builder.js";
import { alignedInputs, inputAt, type LowerContext, type Lowering } from "../lowering.js";

/**
 * The fusion weights `weights` [n] (an initializer under their own name), normalised with standard ops:
 * none as they are; softmax Softmax; relu (EfficientDet's fast normalised fusion) Relu, then a Div by
 * eps + ReduceSum.
 */
function normalisedWeights(ctx: LowerContext, mode: NormalizeMode, epsilon: number): string {
  const w = ctx.weight("weights");
  const raw = ctx.builder.floats(w.key, w.shape, w.data);
  if (mode === "none") return raw;
  if (mode === "softmax") return ctx.aux("Softmax", "softmax", [raw], { axis: attr.int(0) });
  const positive = ctx.aux("Relu", "relu", [raw]);
  const sum = ctx.aux("ReduceSum", "sum", [positive, ctx.ints("sum_axes", [0])], { keepdims: attr.int(1) });
  const eps = ctx.floats("epsilon", [], new Float32Array([epsilon]));
  return ctx.aux("Div", "normalised", [positive, ctx.aux("Add", "sum_eps", [sum, eps])]);
}

/** The normalised weights broadcast to every example: Expand to [N, n], N read from the anchor's shape. */
export const fusionWeights: Lowering<"fusionWeights"> = (node, ctx) => {
  const p = node.params;
  const w = normalisedWeights(ctx, p.normalize, p.epsilon);
  const anchor = inputAt(ctx, 0);
  const batch = ctx.aux("Shape", "batch", [anchor.name], { start: attr.int(0), end: attr.int(1) });
  const shape = ctx.aux("Concat", "shape", [batch, ctx.ints("count", [p.count])], { axis: attr.int(0) });
  return ctx.emit("Expand", [w, shape], "nhwc");
};

/**
 * Natively, not through its expansion: the normalised weights, one Gather of a scalar and one Mul per
 * input, a Sum (+ the `bias` [1] added).
 */
export const weightedAdd: Lowering<"weightedAdd"> = (node, ctx) => {
  const p = node.params;
  const w = normalisedWeights(ctx, p.normalize, p.epsilon);
  const { names, layout } = alignedInputs(ctx);
  const scaled = names.map((x, i) => {
    const wi = ctx.aux("Gather", `w${i}`, [w, ctx.ints(`index${i}`, [i], [])], { axis: attr.int(0) });
    return ctx.aux("Mul", `scale${i}`, [x, wi]);
  });
  if (!p.bias) return ctx.emit("Sum", scaled, layout);
  const b = ctx.weight("bias");
  const sum = ctx.aux("Sum", "sum", scaled);
  return ctx.emit("Add", [sum, ctx.builder.floats(b.key, b.shape, b.data)], layout);
};
