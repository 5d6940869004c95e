import type { GraphNodeOf } from "@fusegraph/dsl";
import { toPair } from "@fusegraph/dsl";
import * as tf from "@tensorflow/tfjs";
import { apply, type LowerContext, onlyShape } from "../lowering.js";
import { checkStridesOrDilation, paddedInput } from "../lowerings/window.js";
import { lowerings } from "../lowerings.js";

/**
 * conv2d from built-ins: groups 1 is the trainable lowering (Conv2D, explicit pads as ZeroPadding2D);
 * groups equal to the input channels is a DepthwiseConv2D with depthMultiplier filters/groups (the
 * dsl's kernel [kh, kw, 1, C*m] is tfjs's [kh, kw, C, m] in the same element order). Other groupings
 * have no tfjs layer and fail naming the node.
 */
export function lowerPortableConv2d(node: GraphNodeOf<"conv2d">, ctx: LowerContext): tf.SymbolicTensor {
  const p = node.params;
  if (p.groups === 1) return lowerings.conv2d(node, ctx);
  const c = onlyShape(ctx)[2] ?? 0;
  if (p.groups !== c) {
    ctx.fail(
      "unsupported_params",
      `conv2d with groups ${p.groups} over ${c} input channels: tfjs layers have only full (groups 1) and depthwise (groups = channels) convolutions`,
      "use the trainable target, groups: 1, or groups equal to the input channels",
    );
  }
  const kernelSize = toPair(p.kernelSize);
  const strides = toPair(p.strides);
  const dilation = toPair(p.dilation);
  checkStridesOrDilation(ctx, "conv2d", strides, dilation);
  const { x, padding } = paddedInput(ctx, p.padding, kernelSize, strides, dilation);
  const layer = tf.layers.depthwiseConv2d({
    name: ctx.name(),
    kernelSize,
    strides,
    padding,
    dilationRate: dilation,
    depthMultiplier: p.filters / p.groups,
    useBias: p.useBias,
    activation: ctx.activation,
  });
  return apply(layer, x);
}
