import type { Lowering } from "../lowering.js";

/**
 * BatchNormalization normalises axis 1, which is the channel axis of an image (channels-first inside) and
 * of a vector example ([N,C]). Other ranks have their channels last: there it is written out with
 * broadcasting ops, (x - mean) / sqrt(var + eps) * gamma + beta. Without scale (center), gamma (beta) is
 * a constant `<id>/gamma:ones` (`<id>/beta:zeros`).
 */
export const batchNorm: Lowering<"batchNorm"> = (node, ctx) => {
  const p = node.params;
  const shape = ctx.inputShapes[0] ?? [];
  const c = shape[shape.length - 1] ?? 0;
  const named = (name: string): string => {
    const w = ctx.weight(name);
    return ctx.builder.floats(w.key, w.shape, w.data);
  };
  const gamma = p.scale ? named("gamma") : ctx.floats("gamma:ones", [c], new Float32Array(c).fill(1));
  const beta = p.center ? named("beta") : ctx.floats("beta:zeros", [c], new Float32Array(c));
  const mean = named("movingMean");
  const variance = named("movingVariance");
  if (shape.length === 1 || shape.length === 3) {
    const layout = shape.length === 3 ? "nchw" : "nhwc";
    return ctx.emit("BatchNormalization", [ctx.input(0, layout).name, gamma, beta, mean, variance], layout, {
      epsilon: { kind: "float", value: p.epsilon },
    });
  }
  const x = ctx.input(0, "nhwc").name;
  const eps = ctx.floats("epsilon", [], new Float32Array([p.epsilon]));
  const centred = ctx.aux("Sub", "centred", [x, mean]);
  const std = ctx.aux("Sqrt", "std", [ctx.aux("Add", "var_eps", [variance, eps])]);
  const scaled = ctx.aux("Mul", "scaled", [ctx.aux("Div", "normalised", [centred, std]), gamma]);
  return ctx.emit("Add", [scaled, beta], "nhwc");
};
