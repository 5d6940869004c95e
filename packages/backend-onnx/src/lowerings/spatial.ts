import { centreCropOffsets, toPads } from "@fusegraph/dsl";
import { type Attributes, attr } from "../graph-builder.js";
import type { Lowering } from "../lowering.js";

/** Pad (constant 0) of H and W of the channels-first tensor. */
export const zeroPad: Lowering<"zeroPad"> = (node, ctx) => {
  const { top, bottom, left, right } = toPads(node.params.padding);
  const pads = ctx.ints("pads", [0, 0, top, left, 0, 0, bottom, right]);
  return ctx.emit("Pad", [ctx.input(0, "nchw").name, pads], "nchw", { mode: attr.string("constant") });
};

/** Slice of H and W: explicit [t,b,l,r], or `like`'s centre crop with fusegraph's floor offsets. */
export const crop: Lowering<"crop"> = (node, ctx) => {
  const [oh = 0, ow = 0] = node.shape;
  const x = ctx.inputShapes[0] ?? [];
  const p = node.params;
  const [top, left] =
    p.cropping !== undefined
      ? [toPads(p.cropping).top, toPads(p.cropping).left]
      : centreCropOffsets(x, ctx.inputShapes[1] ?? []);
  const inputs = [
    ctx.input(0, "nchw").name,
    ctx.ints("starts", [top, left]),
    ctx.ints("ends", [top + oh, left + ow]),
    ctx.ints("axes", [2, 3]),
  ];
  return ctx.emit("Slice", inputs, "nchw");
};

/**
 * Resize to the node's H and W given as `sizes` ([N, C] read from the input's shape, so the batch stays
 * symbolic). fusegraph's rules map onto ONNX's coordinate transformations exactly: nearest
 * floor(d*n/m) is `asymmetric` with nearest_mode `floor`; bilinear (d+0.5)*n/m-0.5 clamped at 0 is
 * `half_pixel` (not `pytorch_half_pixel`, which differs for an output of size 1); alignCorners is
 * `align_corners`.
 */
export const upsample: Lowering<"upsample"> = (node, ctx) => {
  const [oh = 0, ow = 0] = node.shape;
  const p = node.params;
  const x = ctx.input(0, "nchw").name;
  const batchAndChannels = ctx.aux("Shape", "batch_channels", [x], { start: attr.int(0), end: attr.int(2) });
  const sizes = ctx.aux("Concat", "sizes", [batchAndChannels, ctx.ints("hw", [oh, ow])], {
    axis: attr.int(0),
  });
  const attributes: Attributes =
    p.mode === "nearest"
      ? {
          mode: attr.string("nearest"),
          coordinate_transformation_mode: attr.string("asymmetric"),
          nearest_mode: attr.string("floor"),
        }
      : {
          mode: attr.string("linear"),
          coordinate_transformation_mode: attr.string(p.alignCorners ? "align_corners" : "half_pixel"),
        };
  return ctx.emit("Resize", [x, "", "", sizes], "nchw", attributes);
};
