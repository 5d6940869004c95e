import { toPair } from "@fusegraph/dsl";
import * as tf from "@tensorflow/tfjs";
import { GroupConv2d } from "../layers/group-conv2d.js";
import { apply, type Lowering, refuseActivation } from "../lowering.js";
import { checkStridesOrDilation, paddedInput } from "./window.js";

/** tf.layers.conv2d; grouped convolutions (groups > 1) use {@link GroupConv2d}. */
export const conv2d: Lowering<"conv2d"> = (node, ctx) => {
  const p = node.params;
  const kernelSize = toPair(p.kernelSize);
  const strides = toPair(p.strides);
  const dilation = toPair(p.dilation);
  checkStridesOrDilation(ctx, "conv2d", strides, dilation);
  const { x, padding } = paddedInput(ctx, p.padding, kernelSize, strides, dilation);
  const common = { name: ctx.name(), filters: p.filters, kernelSize, strides, padding, useBias: p.useBias };
  if (p.groups !== 1) refuseActivation(ctx, "the grouped conv layer has no activation");
  const layer =
    p.groups === 1
      ? tf.layers.conv2d({
          ...common,
          dilationRate: dilation,
          kernelInitializer: "zeros",
          activation: ctx.activation,
        })
      : new GroupConv2d({ ...common, dilation, groups: p.groups });
  return apply(layer, x);
};
