import {
  attrFloat,
  attrInt,
  attrInts,
  attrString,
  hasSlot,
  inputValue,
  pairAttr,
  toTensorData,
  unknownAttribute,
  windowPads,
} from "../attributes.js";
import type { Mapper } from "../case-mapping.js";
import { skip } from "../case-mapping.js";
import { permute } from "../layout.js";
import { imageCase, imageInput } from "./image.js";

/**
 * Conv: W [O, I/g, kh, kw] -> kernel [kh, kw, I/g, O]; bias B [O]. ONNX pads and auto_pad become
 * explicit [t, b, l, r], so SAME_LOWER maps as exactly as SAME_UPPER.
 */
const conv: Mapper = (ctx) => {
  const extra = unknownAttribute(ctx.node, [
    "auto_pad",
    "dilations",
    "group",
    "kernel_shape",
    "pads",
    "strides",
  ]);
  if (extra) return skip(`attribute ${extra} is not supported`);
  const x = imageInput(ctx);
  if (typeof x === "string") return skip(x);
  const w = inputValue(ctx, 1);
  if (w?.dims.length !== 4) return skip("weight W is missing or not [O, I/g, kh, kw]");
  const [filters = 0, , kh = 0, kw = 0] = w.dims;
  const strides = pairAttr(ctx.node, "strides", [1, 1]);
  const dilations = pairAttr(ctx.node, "dilations", [1, 1]);
  if (!strides || !dilations) return skip("strides/dilations are not 2-D");
  const pads = windowPads(ctx.node, [x.dims[2], x.dims[3]], [kh, kw], strides, dilations);
  if (!Array.isArray(pads)) return skip(pads.unsupported);
  const bias = inputValue(ctx, 2);
  if (hasSlot(ctx.node.inputs, 2) && !bias) return skip("bias B has no value in the data set");
  const weights = new Map([["y/kernel", permute(toTensorData(w), [2, 3, 1, 0])]]);
  if (bias) weights.set("y/bias", toTensorData(bias));
  return imageCase(
    ctx,
    x,
    {
      y: {
        op: "conv2d",
        input: "x",
        filters,
        kernelSize: [kh, kw],
        strides,
        dilation: dilations,
        groups: attrInt(ctx.node, "group", 1),
        padding: pads,
        useBias: bias !== undefined,
      },
    },
    weights,
  );
};

/**
 * ConvTranspose: W [C, O, kh, kw] -> kernel [kh, kw, O, C]. ONNX crops `pads` from the full output
 * (H-1)*s + (k-1)*d + 1, extended by `output_padding` at the end; `output_shape` implies the pads
 * (total = full + output_padding - output_shape; NOTSET puts the larger half at the start, floor
 * division as ONNX's reference). A positive crop is conv2dTranspose's padding; a negative one means
 * rows that no input reaches, which are zeros without a bias: a zeroPad after the convolution.
 */
const convTranspose: Mapper = (ctx) => {
  const extra = unknownAttribute(ctx.node, [
    "auto_pad",
    "dilations",
    "group",
    "kernel_shape",
    "output_padding",
    "output_shape",
    "pads",
    "strides",
  ]);
  if (extra) return skip(`attribute ${extra} is not supported`);
  const group = attrInt(ctx.node, "group", 1);
  if (group !== 1) return skip(`group=${group}: conv2dTranspose has no groups param`);
  const x = imageInput(ctx);
  if (typeof x === "string") return skip(x);
  const w = inputValue(ctx, 1);
  if (w?.dims.length !== 4) return skip("weight W is missing or not [C, O, kh, kw]");
  const [, filters = 0, kh = 0, kw = 0] = w.dims;
  const strides = pairAttr(ctx.node, "strides", [1, 1]);
  const dilations = pairAttr(ctx.node, "dilations", [1, 1]);
  const outPad = pairAttr(ctx.node, "output_padding", [0, 0]);
  if (!strides || !dilations || !outPad) return skip("strides/dilations/output_padding are not 2-D");
  const mode = attrString(ctx.node, "auto_pad", "NOTSET");
  const outputShape = attrInts(ctx.node, "output_shape");
  const explicit = attrInts(ctx.node, "pads");
  const input = [x.dims[2], x.dims[3]];
  const kernel = [kh, kw];
  const begin: number[] = [];
  const end: number[] = [];
  for (let i = 0; i < 2; i++) {
    const full =
      ((input[i] as number) - 1) * (strides[i] as number) +
      ((kernel[i] as number) - 1) * (dilations[i] as number) +
      1;
    const extended = full + (outPad[i] as number);
    if (mode === "VALID") {
      begin.push(0);
      end.push(0);
    } else if (mode === "SAME_UPPER" || mode === "SAME_LOWER" || outputShape) {
      const target =
        mode === "NOTSET"
          ? (outputShape?.[outputShape.length - 2 + i] as number)
          : (input[i] as number) * (strides[i] as number);
      const total = extended - target;
      const small = Math.floor(total / 2);
      const upper = mode === "SAME_UPPER";
      begin.push(upper ? small : total - small);
      end.push(upper ? total - small : small);
    } else if (mode === "NOTSET") {
      if (explicit && explicit.length !== 4) return skip(`pads of length ${explicit.length} (only 2-D)`);
      begin.push(explicit?.[i] ?? 0);
      end.push(explicit?.[i + 2] ?? 0);
    } else return skip(`auto_pad ${mode}`);
  }
  // Crops of the convolution's own output, then zero rows/cols past it (output_padding, negative pads).
  const crop = [0, 1].flatMap((i) => [
    Math.max(0, begin[i] as number),
    Math.max(0, (end[i] as number) - (outPad[i] as number)),
  ]);
  const grow = [0, 1].flatMap((i) => [
    Math.max(0, -(begin[i] as number)),
    Math.max(0, (outPad[i] as number) - (end[i] as number)),
  ]);
  const bias = inputValue(ctx, 2);
  if (hasSlot(ctx.node.inputs, 2) && !bias) return skip("bias B has no value in the data set");
  const needsPad = grow.some((g) => g > 0);
  if (needsPad && bias) {
    return skip(
      "output_padding / output_shape past the full output with a bias: those rows would hold the bias, zeroPad gives 0",
    );
  }
  const convId = needsPad ? "deconv" : "y";
  const weights = new Map([[`${convId}/kernel`, permute(toTensorData(w), [2, 3, 1, 0])]]);
  if (bias) weights.set(`${convId}/bias`, toTensorData(bias));
  const [ct = 0, cb = 0, cl = 0, cr = 0] = crop;
  const [gt = 0, gb = 0, gl = 0, gr = 0] = grow;
  const nodes = {
    [convId]: {
      op: "conv2dTranspose",
      input: "x",
      filters,
      kernelSize: [kh, kw],
      strides,
      dilation: dilations,
      padding: [ct, cb, cl, cr],
      useBias: bias !== undefined,
    },
    ...(needsPad ? { y: { op: "zeroPad", input: "deconv", padding: [gt, gb, gl, gr] } } : {}),
  };
  return imageCase(ctx, x, nodes, weights);
};

/** BatchNormalization (inference): scale, B, mean, var -> gamma, beta, movingMean, movingVariance. */
const batchNormalization: Mapper = (ctx) => {
  const extra = unknownAttribute(ctx.node, ["epsilon", "momentum", "training_mode"]);
  if (extra) return skip(`attribute ${extra} is not supported`);
  if (attrInt(ctx.node, "training_mode", 0) !== 0) return skip("training_mode=1 updates running statistics");
  if (ctx.node.outputs.length > 1) return skip("training outputs (running mean/var) are requested");
  const x = imageInput(ctx);
  if (typeof x === "string") return skip(x);
  const names = ["gamma", "beta", "movingMean", "movingVariance"] as const;
  const weights = new Map();
  for (let i = 0; i < 4; i++) {
    const v = inputValue(ctx, i + 1);
    if (!v) return skip(`input ${i + 1} has no value in the data set`);
    weights.set(`y/${names[i]}`, toTensorData(v));
  }
  return imageCase(
    ctx,
    x,
    { y: { op: "batchNorm", input: "x", epsilon: attrFloat(ctx.node, "epsilon", 1e-5) } },
    weights,
  );
};

export const convMappers = {
  Conv: conv,
  ConvTranspose: convTranspose,
  BatchNormalization: batchNormalization,
} satisfies Record<string, Mapper>;
