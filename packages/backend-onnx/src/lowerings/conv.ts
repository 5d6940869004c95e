import { type Pads, toPair, transposeWindow2d, window2d } from "@fusegraph/dsl";
import { attr } from "../graph-builder.js";
import { type Lowering, transposeData } from "../lowering.js";

/** ONNX's pads order: all the starts, then all the ends ([top, left, bottom, right] for 2-D). */
export function onnxPads(p: Pads): number[] {
  return [p.top, p.left, p.bottom, p.right];
}

/** Kernel [kh,kw,in/groups,filters] (HWIO) becomes an `<key>:OIHW` initializer, bias stays as it is. */
export const conv2d: Lowering<"conv2d"> = (node, ctx) => {
  const p = node.params;
  const [h = 0, w = 0] = ctx.inputShapes[0] ?? [];
  const { pads } = window2d([h, w], p.kernelSize, p.strides, p.dilation, p.padding);
  const k = ctx.weight("kernel");
  const kernel = ctx.builder.floats(
    `${k.key}:OIHW`,
    [k.shape[3] ?? 0, k.shape[2] ?? 0, k.shape[0] ?? 0, k.shape[1] ?? 0],
    transposeData(k.data, k.shape, [3, 2, 0, 1]),
  );
  const inputs = [ctx.input(0, "nchw").name, kernel];
  if (p.useBias) {
    const b = ctx.weight("bias");
    inputs.push(ctx.builder.floats(b.key, b.shape, b.data));
  }
  return ctx.emit("Conv", inputs, "nchw", {
    kernel_shape: attr.ints(toPair(p.kernelSize)),
    strides: attr.ints(toPair(p.strides)),
    dilations: attr.ints(toPair(p.dilation)),
    pads: attr.ints(onnxPads(pads)),
    group: attr.int(p.groups),
  });
};

/**
 * Kernel [kh,kw,filters,in] becomes `<key>:IOHW` ([in, filters, kh, kw], ConvTranspose's layout). The
 * crop fusegraph takes from the full output becomes pads; a negative end crop (TF's `same` when the
 * stride exceeds the window) becomes output_padding.
 */
export const conv2dTranspose: Lowering<"conv2dTranspose"> = (node, ctx) => {
  const p = node.params;
  const [h = 0, w = 0] = ctx.inputShapes[0] ?? [];
  const { pads } = transposeWindow2d([h, w], p.kernelSize, p.strides, p.dilation, p.padding);
  const k = ctx.weight("kernel");
  const kernel = ctx.builder.floats(
    `${k.key}:IOHW`,
    [k.shape[3] ?? 0, k.shape[2] ?? 0, k.shape[0] ?? 0, k.shape[1] ?? 0],
    transposeData(k.data, k.shape, [3, 2, 0, 1]),
  );
  const inputs = [ctx.input(0, "nchw").name, kernel];
  if (p.useBias) {
    const b = ctx.weight("bias");
    inputs.push(ctx.builder.floats(b.key, b.shape, b.data));
  }
  const extra = [Math.max(0, -pads.bottom), Math.max(0, -pads.right)];
  return ctx.emit("ConvTranspose", inputs, "nchw", {
    kernel_shape: attr.ints(toPair(p.kernelSize)),
    strides: attr.ints(toPair(p.strides)),
    dilations: attr.ints(toPair(p.dilation)),
    pads: attr.ints([pads.top, pads.left, Math.max(0, pads.bottom), Math.max(0, pads.right)]),
    ...(extra.some((e) => e > 0) ? { output_padding: attr.ints(extra) } : {}),
  });
};
