import { batchNorm as batchNormOp, projectedInputs, targetSize } from "@fusegraph/dsl";
import * as tf from "@tensorflow/tfjs";
import { Resize } from "../layers/resize.js";
import { apply, type Lowering } from "../lowering.js";

/**
 * Native, with the parts and names of the dsl's expansion: per input i a 1x1 conv2d `<id>/proj{i}`
 * (+ batchNormalization `<id>/proj{i}/bn`) and a resize `<id>/resize{i}` to the largest H,W, then
 * tf.layers.add `<id>`. Ordinary trainable layers, so gradients reach every projection.
 */
export const conv1x1Add: Lowering<"conv1x1Add"> = (node, ctx) => {
  const p = node.params;
  const target = targetSize(ctx.inputShapes);
  const projected = projectedInputs(ctx.inputShapes, p);
  const bn = batchNormOp.params.parse({});
  const summands = ctx.inputs.map((x, i) => {
    const s = ctx.inputShapes[i] ?? [];
    const resized = s[0] !== target[0] || s[1] !== target[1];
    const resize = (t: tf.SymbolicTensor) =>
      apply(
        new Resize({
          name: ctx.name(`resize${i}`),
          size: target,
          mode: p.resize,
          alignCorners: p.alignCorners,
        }),
        t,
      );
    let cur = x;
    if (resized && p.resizeFirst) cur = resize(cur);
    if (projected.has(i)) {
      const conv = tf.layers.conv2d({
        name: ctx.name(`proj${i}`),
        filters: p.channels,
        kernelSize: 1,
        useBias: p.useBias,
        kernelInitializer: "zeros",
      });
      cur = apply(conv, cur);
      if (p.norm === "batchNorm") {
        const { epsilon, momentum, center, scale } = bn;
        cur = apply(
          tf.layers.batchNormalization({
            name: ctx.name(`proj${i}/bn`),
            axis: -1,
            epsilon,
            momentum,
            center,
            scale,
          }),
          cur,
        );
      }
    }
    if (resized && !p.resizeFirst) cur = resize(cur);
    return cur;
  });
  return apply(tf.layers.add({ name: ctx.name() }), summands);
};
