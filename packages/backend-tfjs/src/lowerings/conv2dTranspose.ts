import { toPair, transposeWindow2d } from "@fusegraph/dsl";
import * as tf from "@tensorflow/tfjs";
import { DilatedConv2dTranspose } from "../layers/dilated-conv2d-transpose.js";
import { apply, type Lowering, only, onlyShape, refuseActivation } from "../lowering.js";
import { cropping, zeroPad } from "./window.js";

/**
 * tf.layers.conv2dTranspose ({@link DilatedConv2dTranspose} with dilation). Undilated `same` is
 * tfjs's (TF's split, as the dsl's rule); otherwise the full `valid` output is cropped (part
 * `<id>/crop`) or zero-extended (part `<id>/pad`) to the dsl's size and offsets.
 */
export const conv2dTranspose: Lowering<"conv2dTranspose"> = (node, ctx) => {
  const p = node.params;
  const kernelSize = toPair(p.kernelSize);
  const strides = toPair(p.strides);
  const dilation = toPair(p.dilation);
  const dilated = dilation.some((d) => d > 1);
  const padding = p.padding === "same" && !dilated ? "same" : "valid";
  if (padding !== "same") refuseActivation(ctx, "the layer's output is cropped or zero-extended after it");
  const common = { name: ctx.name(), filters: p.filters, kernelSize, strides, useBias: p.useBias };
  const layer = dilated
    ? new DilatedConv2dTranspose({ ...common, dilation })
    : tf.layers.conv2dTranspose({
        ...common,
        padding,
        kernelInitializer: "zeros",
        activation: ctx.activation,
      });
  const y = apply(layer, only(ctx));
  if (padding === "same") return y;
  const [h = 0, w = 0] = onlyShape(ctx);
  const { outH, outW, pads } = transposeWindow2d([h, w], kernelSize, strides, dilation, p.padding);
  // tfjs's `valid` length per axis, size*stride + max(effectiveK - stride, 0), is the dsl's full
  // length (out + both crops) or size*stride, whichever is larger.
  const fullH = Math.max(outH + pads.top + pads.bottom, h * strides[0]);
  const fullW = Math.max(outW + pads.left + pads.right, w * strides[1]);
  const bottom = fullH - pads.top - outH;
  const right = fullW - pads.left - outW;
  const crop = { top: pads.top, bottom: Math.max(0, bottom), left: pads.left, right: Math.max(0, right) };
  let out = y;
  if (crop.top + crop.bottom + crop.left + crop.right > 0) out = cropping(ctx, out, crop, "crop");
  if (bottom < 0 || right < 0) {
    out = zeroPad(
      ctx,
      out,
      { top: 0, bottom: Math.max(0, -bottom), left: 0, right: Math.max(0, -right) },
      "pad",
    );
  }
  return out;
};
