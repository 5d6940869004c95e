import { attrInt, attrInts, pairAttr, unknownAttribute, windowPads } from "../attributes.js";
import { type Mapper, skip } from "../case-mapping.js";
import { imageCase, imageInput } from "./image.js";

/**
 * MaxPool / AveragePool: kernel_shape -> poolSize, ceil_mode -> ceilMode, count_include_pad ->
 * countIncludePad, pads and auto_pad -> explicit [t, b, l, r].
 */
function pool(kind: "maxPool" | "avgPool"): Mapper {
  const known = ["auto_pad", "ceil_mode", "dilations", "kernel_shape", "pads", "strides"];
  return (ctx) => {
    const extra = unknownAttribute(
      ctx.node,
      kind === "avgPool" ? [...known, "count_include_pad"] : [...known, "storage_order"],
    );
    if (extra) return skip(`attribute ${extra} is not supported`);
    // NOTE: storage_order only changes MaxPool's optional Indices output, which has no DSL counterpart.
    if (ctx.node.outputs.length > 1) return skip("MaxPool's Indices output has no DSL counterpart");
    const x = imageInput(ctx);
    if (typeof x === "string") return skip(x);
    const kernel = attrInts(ctx.node, "kernel_shape");
    if (kernel?.length !== 2) return skip("kernel_shape is missing or not 2-D");
    const k: [number, number] = [kernel[0] as number, kernel[1] as number];
    const strides = pairAttr(ctx.node, "strides", [1, 1]);
    const dilations = pairAttr(ctx.node, "dilations", [1, 1]);
    if (!strides || !dilations) return skip("strides/dilations are not 2-D");
    const pads = windowPads(ctx.node, [x.dims[2], x.dims[3]], k, strides, dilations);
    if (!Array.isArray(pads)) return skip(pads.unsupported);
    return imageCase(ctx, x, {
      y: {
        op: kind,
        input: "x",
        poolSize: k,
        strides,
        dilation: dilations,
        padding: pads,
        ceilMode: attrInt(ctx.node, "ceil_mode", 0) === 1,
        ...(kind === "avgPool" ? { countIncludePad: attrInt(ctx.node, "count_include_pad", 0) === 1 } : {}),
      },
    });
  };
}

/** GlobalAveragePool / GlobalMaxPool keep [N, C, 1, 1]: keepDims gives [1, 1, C]. */
function globalPool(kind: "globalAvgPool" | "globalMaxPool"): Mapper {
  return (ctx) => {
    const extra = unknownAttribute(ctx.node, []);
    if (extra) return skip(`attribute ${extra} is not supported`);
    const x = imageInput(ctx);
    if (typeof x === "string") return skip(x);
    return imageCase(ctx, x, { y: { op: kind, input: "x", keepDims: true } });
  };
}

export const poolMappers = {
  MaxPool: pool("maxPool"),
  AveragePool: pool("avgPool"),
  GlobalAveragePool: globalPool("globalAvgPool"),
  GlobalMaxPool: globalPool("globalMaxPool"),
} satisfies Record<string, Mapper>;
