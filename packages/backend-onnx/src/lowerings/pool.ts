import { type AvgPoolParams, type MaxPoolParams, poolStrides, poolWindow, toPair } from "@fusegraph/dsl";
import { type Attributes, attr } from "../graph-builder.js";
import type { LowerContext, Lowering } from "../lowering.js";
import { onnxPads } from "./conv.js";

/**
 * The window attributes of MaxPool/AveragePool. fusegraph's ceilMode keeps a last partial window as long
 * as it starts inside the input or its left padding; rather than depend on how a runtime rounds
 * ceil_mode, the end pads grow until floor rounding gives fusegraph's output size. Pads are excluded
 * from max and (without count_include_pad) from the average, so the extra ones change nothing — except
 * for a counted average, which keeps ceil_mode (and ONNX's rule, which is PyTorch's).
 */
function windowAttributes(
  p: MaxPoolParams | AvgPoolParams,
  shape: readonly number[],
  counted: boolean,
): Attributes {
  const [h = 0, w = 0] = shape;
  const { outH, outW, pads } = poolWindow([h, w], p);
  const [kh, kw] = toPair(p.poolSize);
  const [sh, sw] = toPair(poolStrides(p));
  const [dh, dw] = toPair(p.dilation);
  const base: Attributes = { kernel_shape: attr.ints([kh, kw]), strides: attr.ints([sh, sw]) };
  const grow = (out: number, stride: number, eff: number, size: number, before: number, after: number) =>
    Math.max(after, (out - 1) * stride + eff - size - before);
  const ends = {
    bottom: grow(outH, sh, (kh - 1) * dh + 1, h, pads.top, pads.bottom),
    right: grow(outW, sw, (kw - 1) * dw + 1, w, pads.left, pads.right),
  };
  // ONNX runtimes refuse pads as large as the window; keep ceil_mode there as for a counted average.
  const fits = ends.bottom < kh && ends.right < kw && pads.top < kh && pads.left < kw;
  if (p.ceilMode && (counted || !fits))
    return { ...base, pads: attr.ints(onnxPads(pads)), ceil_mode: attr.int(1) };
  return { ...base, pads: attr.ints(onnxPads({ ...pads, ...ends })) };
}

export const maxPool: Lowering<"maxPool"> = (node, ctx) =>
  ctx.emit("MaxPool", [ctx.input(0, "nchw").name], "nchw", {
    ...windowAttributes(node.params, ctx.inputShapes[0] ?? [], false),
    dilations: attr.ints(toPair(node.params.dilation)),
  });

/** AveragePool; dilation needs opset 19, where AveragePool gained `dilations`. */
export const avgPool: Lowering<"avgPool"> = (node, ctx) => {
  const p = node.params;
  const dilated = toPair(p.dilation).some((d) => d !== 1);
  if (dilated && ctx.opset < 19) {
    ctx.fail(
      "unsupported_params",
      `avgPool dilation ${JSON.stringify(p.dilation)} cannot be expressed in opset ${ctx.opset} (AveragePool has no dilations before opset 19)`,
      "export with opset 19 ({ opset: 19 }, or --opset 19 on the command line), or use dilation: 1",
    );
  }
  return ctx.emit("AveragePool", [ctx.input(0, "nchw").name], "nchw", {
    ...windowAttributes(p, ctx.inputShapes[0] ?? [], p.countIncludePad),
    count_include_pad: attr.int(p.countIncludePad ? 1 : 0),
    ...(dilated ? { dilations: attr.ints(toPair(p.dilation)) } : {}),
  });
};

/** Global pooling gives [N,C,1,1]: kept as an image with keepDims, else flattened to [N,C]. */
function globalPool(opType: string, keepDims: boolean, ctx: LowerContext) {
  const x = ctx.input(0, "nchw").name;
  if (keepDims) return ctx.emit(opType, [x], "nchw");
  return ctx.emit("Flatten", [ctx.aux(opType, "pool", [x])], "nhwc", { axis: attr.int(1) });
}

export const globalAvgPool: Lowering<"globalAvgPool"> = (node, ctx) =>
  globalPool("GlobalAveragePool", node.params.keepDims, ctx);

export const globalMaxPool: Lowering<"globalMaxPool"> = (node, ctx) =>
  globalPool("GlobalMaxPool", node.params.keepDims, ctx);
