import {
  centreCropOffsets,
  type OpKind,
  type Pads,
  poolStrides,
  poolWindow,
  projectedInputs,
  type Shape,
  targetSize,
  toPads,
  toPair,
  transposeWindow2d,
  window2d,
} from "@fusegraph/dsl";
import type { EmitArgs, Emitter, NodeCode, WeightBinding } from "./emit-types.js";
import { PytorchExportError } from "./errors.js";
import { torchDim } from "./layout.js";
import { py, pyPair, pyTuple } from "./python.js";

const KERNEL_BIAS: readonly WeightBinding[] = [
  { name: "kernel", tensor: "weight", layout: "hwio" },
  { name: "bias", tensor: "bias", layout: "vector" },
];

const symmetric = (p: Pads) => p.top === p.bottom && p.left === p.right;
/** F.pad's order for the last two axes: (left, right, top, bottom). */
const padArgs = (p: Pads) => pyTuple([p.left, p.right, p.top, p.bottom]);

function input<K extends OpKind>(a: EmitArgs<K>, i = 0): string {
  return a.inputs[i] ?? "";
}

function shapeOf<K extends OpKind>(a: EmitArgs<K>, i = 0): Shape {
  return a.inputShapes[i] ?? [];
}

const conv2d: Emitter<"conv2d"> = (a) => {
  const p = a.node.params;
  const [h = 0, w = 0, c = 0] = shapeOf(a);
  const [kh, kw] = toPair(p.kernelSize);
  const [sh, sw] = toPair(p.strides);
  const [dh, dw] = toPair(p.dilation);
  const { pads } = window2d([h, w], p.kernelSize, p.strides, p.dilation, p.padding);
  // NOTE: TF's `same` may pad one more pixel at the bottom/right; nn.Conv2d pads both sides alike, so
  // unequal pads go through F.pad first.
  const even = symmetric(pads);
  const args = [
    `${c}, ${p.filters}, ${pyPair(kh, kw)}`,
    sh !== 1 || sw !== 1 ? `stride=${pyPair(sh, sw)}` : "",
    even && (pads.top !== 0 || pads.left !== 0) ? `padding=${pyPair(pads.top, pads.left)}` : "",
    dh !== 1 || dw !== 1 ? `dilation=${pyPair(dh, dw)}` : "",
    p.groups !== 1 ? `groups=${p.groups}` : "",
    p.useBias ? "" : "bias=False",
  ].filter((s) => s !== "");
  const x = input(a);
  return {
    module: `nn.Conv2d(${args.join(", ")})`,
    forward: even ? `${a.self}(${x})` : `${a.self}(F.pad(${x}, ${padArgs(pads)}))`,
    weights: p.useBias ? KERNEL_BIAS : KERNEL_BIAS.slice(0, 1),
  };
};

const conv2dTranspose: Emitter<"conv2dTranspose"> = (a) => {
  const p = a.node.params;
  const [h = 0, w = 0, c = 0] = shapeOf(a);
  const [kh, kw] = toPair(p.kernelSize);
  const [sh, sw] = toPair(p.strides);
  const [dh, dw] = toPair(p.dilation);
  const { outH, outW, pads } = transposeWindow2d([h, w], p.kernelSize, p.strides, p.dilation, p.padding);
  const even = symmetric(pads) && pads.bottom >= 0 && pads.right >= 0;
  // fusegraph crops `before`/`after` off the full output; a negative `after` (TF's `same` with a stride
  // above the window) appends outputs that only get the bias, which is PyTorch's output_padding. It is
  // stride - window there, so always below the stride, as nn.ConvTranspose2d requires.
  const extraH = even ? 0 : Math.max(0, -pads.bottom);
  const extraW = even ? 0 : Math.max(0, -pads.right);
  const args = [
    `${c}, ${p.filters}, ${pyPair(kh, kw)}`,
    sh !== 1 || sw !== 1 ? `stride=${pyPair(sh, sw)}` : "",
    even && (pads.top !== 0 || pads.left !== 0) ? `padding=${pyPair(pads.top, pads.left)}` : "",
    extraH !== 0 || extraW !== 0 ? `output_padding=${pyPair(extraH, extraW)}` : "",
    dh !== 1 || dw !== 1 ? `dilation=${pyPair(dh, dw)}` : "",
    p.useBias ? "" : "bias=False",
  ].filter((s) => s !== "");
  const call = `${a.self}(${input(a)})`;
  const crop = `[:, :, ${pads.top}:${pads.top + outH}, ${pads.left}:${pads.left + outW}]`;
  return {
    module: `nn.ConvTranspose2d(${args.join(", ")})`,
    forward: even ? call : `${call}${crop}`,
    weights: p.useBias ? KERNEL_BIAS : KERNEL_BIAS.slice(0, 1),
  };
};

const batchNorm: Emitter<"batchNorm"> = (a) => {
  const p = a.node.params;
  const shape = shapeOf(a);
  const rank = shape.length;
  const c = shape[rank - 1] ?? 0;
  const x = input(a);
  // Channels (fusegraph's last axis) must sit on dim 1 for nn.BatchNorm{1,2,3}d.
  const forms: Record<number, { cls: string; forward: string }> = {
    1: { cls: "BatchNorm1d", forward: `${a.self}(${x})` },
    2: { cls: "BatchNorm1d", forward: `${a.self}(${x}.transpose(1, 2)).transpose(1, 2)` },
    3: { cls: "BatchNorm2d", forward: `${a.self}(${x})` },
    4: { cls: "BatchNorm3d", forward: `${a.self}(${x}.movedim(-1, 1)).movedim(1, -1)` },
  };
  const form = forms[rank];
  if (!form) {
    throw new PytorchExportError(
      "unsupported_rank",
      a.node.id,
      `batchNorm over an example of rank ${rank} ([${shape.join(",")}]) has no nn.BatchNorm module (they take 1 to 3 axes besides channels)`,
      "flatten or reshape the input to at most 4 axes before batchNorm",
    );
  }
  const affine = p.scale || p.center;
  const setup: string[] = [];
  // nn.BatchNorm has gamma and beta together; the one fusegraph's spec leaves out stays fixed at 1 or 0.
  if (affine && !p.scale) setup.push(`${a.self}.weight.requires_grad_(False)  # scale: false, gamma stays 1`);
  if (affine && !p.center) setup.push(`${a.self}.bias.requires_grad_(False)  # center: false, beta stays 0`);
  const weights: WeightBinding[] = [];
  if (p.scale) weights.push({ name: "gamma", tensor: "weight", layout: "vector" });
  if (p.center) weights.push({ name: "beta", tensor: "bias", layout: "vector" });
  weights.push(
    { name: "movingMean", tensor: "running_mean", layout: "vector" },
    { name: "movingVariance", tensor: "running_var", layout: "vector" },
  );
  // Keras's momentum weighs the old statistics, PyTorch's the new batch.
  const momentum = Number((1 - p.momentum).toPrecision(12));
  return {
    module: `nn.${form.cls}(${c}, eps=${py(p.epsilon)}, momentum=${py(momentum)}${affine ? "" : ", affine=False"})`,
    setup,
    forward: form.forward,
    weights,
  };
};

const activation: Emitter<"activation"> = (a) => {
  const p = a.node.params;
  const x = input(a);
  switch (p.fn) {
    case "relu":
      return { forward: `F.relu(${x})` };
    case "leakyRelu":
      return { forward: `F.leaky_relu(${x}, ${py(p.alpha)})` };
    case "sigmoid":
      return { forward: `torch.sigmoid(${x})` };
    case "tanh":
      return { forward: `torch.tanh(${x})` };
    case "softmax":
      return { forward: `F.softmax(${x}, dim=${torchDim(shapeOf(a).length, p.axis)})` };
  }
};

/**
 * nn.MaxPool2d / nn.AvgPool2d when they compute exactly fusegraph's window (equal pads of at most half
 * the window, no dilated average); the Pool2d helper (explicit pads, fusegraph's divisor) otherwise.
 */
function pool(
  a: EmitArgs<"maxPool"> | EmitArgs<"avgPool">,
  mode: "max" | "avg",
  countIncludePad: boolean,
): NodeCode {
  const p = a.node.params;
  const [h = 0, w = 0] = shapeOf(a);
  const [kh, kw] = toPair(p.poolSize);
  const [sh, sw] = toPair(poolStrides(p));
  const [dh, dw] = toPair(p.dilation);
  const { outH, outW, pads } = poolWindow([h, w], p);
  const ceil = p.ceilMode && p.padding !== "same";
  const x = input(a);
  const fits =
    symmetric(pads) &&
    2 * pads.top <= kh &&
    2 * pads.left <= kw &&
    (mode === "max" || (dh === 1 && dw === 1));
  if (fits) {
    const args = [
      pyPair(kh, kw),
      `stride=${pyPair(sh, sw)}`,
      pads.top !== 0 || pads.left !== 0 ? `padding=${pyPair(pads.top, pads.left)}` : "",
      mode === "max" && (dh !== 1 || dw !== 1) ? `dilation=${pyPair(dh, dw)}` : "",
      ceil ? "ceil_mode=True" : "",
      mode === "avg" && (pads.top !== 0 || pads.left !== 0) && !countIncludePad
        ? "count_include_pad=False"
        : "",
    ].filter((s) => s !== "");
    return { forward: `F.${mode === "max" ? "max" : "avg"}_pool2d(${x}, ${args.join(", ")})` };
  }
  // The padded extent ends where the last window does, so unfold yields exactly fusegraph's windows.
  const extent = {
    top: pads.top,
    bottom: (outH - 1) * sh + (kh - 1) * dh + 1 - h - pads.top,
    left: pads.left,
    right: (outW - 1) * sw + (kw - 1) * dw + 1 - w - pads.left,
  };
  const args = [
    py(mode),
    pyPair(kh, kw),
    `stride=${pyPair(sh, sw)}`,
    `dilation=${pyPair(dh, dw)}`,
    `pads=${pyTuple([extent.top, extent.bottom, extent.left, extent.right])}`,
    `input_size=${pyTuple([h, w])}`,
    `output_size=${pyTuple([outH, outW])}`,
    mode === "avg" && countIncludePad
      ? `count_include_pad=${pyTuple([pads.top, pads.bottom, pads.left, pads.right])}`
      : "",
  ].filter((s) => s !== "");
  return { module: `Pool2d(${args.join(", ")})`, forward: `${a.self}(${x})`, helpers: ["pool2d"] };
}

const maxPool: Emitter<"maxPool"> = (a) => pool(a, "max", false);
const avgPool: Emitter<"avgPool"> = (a) => pool(a, "avg", a.node.params.countIncludePad);

const globalAvgPool: Emitter<"globalAvgPool"> = (a) => ({
  forward: `${input(a)}.mean(dim=(2, 3)${a.node.params.keepDims ? ", keepdim=True" : ""})`,
});

const globalMaxPool: Emitter<"globalMaxPool"> = (a) => ({
  forward: `${input(a)}.amax(dim=(2, 3)${a.node.params.keepDims ? ", keepdim=True" : ""})`,
});

const zeroPad: Emitter<"zeroPad"> = (a) => ({
  forward: `F.pad(${input(a)}, ${padArgs(toPads(a.node.params.padding))})`,
});

const crop: Emitter<"crop"> = (a) => {
  const p = a.node.params;
  const [h = 0, w = 0] = a.node.shape;
  const [top, left] =
    p.cropping !== undefined
      ? [toPads(p.cropping).top, toPads(p.cropping).left]
      : centreCropOffsets(shapeOf(a), a.node.shape);
  return { forward: `${input(a)}[:, :, ${top}:${top + h}, ${left}:${left + w}]` };
};

const upsample: Emitter<"upsample"> = (a) => {
  const p = a.node.params;
  const [h = 0, w = 0] = a.node.shape;
  const ac = p.mode === "bilinear" && p.alignCorners ? ", align_corners=True" : "";
  return {
    forward: `resize(${input(a)}, ${pyTuple([h, w])}, ${py(p.mode)}${ac})`,
    helpers: ["resize"],
  };
};

const dense: Emitter<"dense"> = (a) => {
  const p = a.node.params;
  const shape = shapeOf(a);
  const f = shape[shape.length - 1] ?? 0;
  const x = input(a);
  return {
    module: `nn.Linear(${f}, ${p.units}${p.useBias ? "" : ", bias=False"})`,
    // On an image the features are the channels (dim 1 in NCHW): move them last and back.
    forward: shape.length === 3 ? `${a.self}(${x}.movedim(1, -1)).movedim(-1, 1)` : `${a.self}(${x})`,
    weights: [
      { name: "kernel", tensor: "weight", layout: "io" },
      ...(p.useBias ? [{ name: "bias", tensor: "bias", layout: "vector" } as const] : []),
    ],
  };
};

const flatten: Emitter<"flatten"> = (a) => ({
  // fusegraph flattens channels-last (row-major [H, W, C]), so NCHW goes back to NHWC first.
  forward: shapeOf(a).length === 3 ? `${input(a)}.permute(0, 2, 3, 1).flatten(1)` : `${input(a)}.flatten(1)`,
});

const dropout: Emitter<"dropout"> = (a) => ({
  module: `nn.Dropout(${py(a.node.params.rate)})`,
  forward: `${a.self}(${input(a)})`,
});

const multiply: Emitter<"multiply"> = (a) => ({ forward: a.inputs.join(" * ") });

const lstm: Emitter<"lstm"> = (a) => {
  const p = a.node.params;
  const [, f = 0] = shapeOf(a);
  const call = `${a.self}(${input(a)})[0]`;
  return {
    module: `nn.LSTM(${f}, ${p.units}, batch_first=True)`,
    forward: p.returnSequences ? call : `${call}[:, -1]`,
    // Keras's gate order i, f, c, o is PyTorch's i, f, g, o: the kernels only transpose.
    weights: [
      { name: "kernel", tensor: "weight_ih_l0", layout: "io" },
      { name: "recurrentKernel", tensor: "weight_hh_l0", layout: "io" },
      { name: "bias", tensor: "bias_ih_l0", layout: "lstm_bias" },
    ],
  };
};

const fusionWeights: Emitter<"fusionWeights"> = (a) => {
  const p = a.node.params;
  const init = p.init ?? Array.from({ length: p.count }, () => 1 / p.count);
  return {
    module: `FusionWeights(${py(init)}, normalize=${py(p.normalize)}, epsilon=${py(p.epsilon)})`,
    forward: `${a.self}(${input(a)})`,
    weights: [{ name: "weights", tensor: "weights", layout: "vector" }],
    helpers: ["fusionWeights"],
  };
};

const scaleBy: Emitter<"scaleBy"> = (a) => {
  const ones = shapeOf(a).map(() => 1);
  return { forward: `${input(a)} * ${input(a, 1)}[:, ${a.node.params.index}].view(-1, ${ones.join(", ")})` };
};

const biasAdd: Emitter<"biasAdd"> = (a) => ({
  module: `BiasAdd(${py(a.node.params.init)})`,
  forward: `${a.self}(${input(a)})`,
  weights: [{ name: "bias", tensor: "bias", layout: "vector" }],
  helpers: ["biasAdd"],
});

const add: Emitter<"add"> = (a) => ({ forward: a.inputs.join(" + ") });

const concat: Emitter<"concat"> = (a) => ({
  forward: `torch.cat([${a.inputs.join(", ")}], dim=${torchDim(shapeOf(a).length, a.node.params.axis)})`,
});

const weightedAdd: Emitter<"weightedAdd"> = (a) => {
  const p = a.node.params;
  const n = a.inputs.length;
  const init = p.init === undefined ? Array.from({ length: n }, () => 1 / n) : p.init;
  const values = typeof init === "number" ? Array.from({ length: n }, () => init) : init;
  const args = [
    py(values),
    `normalize=${py(p.normalize)}`,
    `epsilon=${py(p.epsilon)}`,
    p.bias ? `bias=${py(p.biasInit)}` : "",
  ].filter((s) => s !== "");
  return {
    module: `WeightedAdd(${args.join(", ")})`,
    forward: `${a.self}(${a.inputs.join(", ")})`,
    weights: [
      { name: "weights", tensor: "weights", layout: "vector" },
      ...(p.bias ? [{ name: "bias", tensor: "bias", layout: "vector" } as const] : []),
    ],
    helpers: ["weightedAdd"],
  };
};

const conv1x1Add: Emitter<"conv1x1Add"> = (a) => {
  const p = a.node.params;
  const projected = [...projectedInputs(a.inputShapes, p)].sort((x, y) => x - y);
  const inChannels = projected.map((i) => `${i}: ${a.inputShapes[i]?.[2] ?? 0}`).join(", ");
  const args = [
    `{${inChannels}}`,
    String(p.channels),
    `size=${pyTuple(targetSize(a.inputShapes))}`,
    p.useBias ? "" : "bias=False",
    p.norm === "batchNorm" ? "norm=True" : "",
    p.resize !== "nearest" ? `mode=${py(p.resize)}` : "",
    p.alignCorners ? "align_corners=True" : "",
    p.resizeFirst ? "resize_first=True" : "",
  ].filter((s) => s !== "");
  const weights: WeightBinding[] = [];
  for (const i of projected) {
    weights.push({ name: `proj${i}/kernel`, tensor: `proj.${i}.weight`, layout: "hwio" });
    if (p.useBias) weights.push({ name: `proj${i}/bias`, tensor: `proj.${i}.bias`, layout: "vector" });
    if (p.norm === "batchNorm") {
      weights.push(
        { name: `proj${i}/bn/gamma`, tensor: `norm.${i}.weight`, layout: "vector" },
        { name: `proj${i}/bn/beta`, tensor: `norm.${i}.bias`, layout: "vector" },
        { name: `proj${i}/bn/movingMean`, tensor: `norm.${i}.running_mean`, layout: "vector" },
        { name: `proj${i}/bn/movingVariance`, tensor: `norm.${i}.running_var`, layout: "vector" },
      );
    }
  }
  return {
    module: `Conv1x1Add(${args.join(", ")})`,
    forward: `${a.self}(${a.inputs.join(", ")})`,
    weights,
    helpers: ["conv1x1Add"],
  };
};

/** Python for every op kind; a kind missing here fails to compile. */
export const emitters = {
  conv2d,
  conv2dTranspose,
  batchNorm,
  activation,
  maxPool,
  avgPool,
  globalAvgPool,
  globalMaxPool,
  zeroPad,
  crop,
  upsample,
  dense,
  flatten,
  dropout,
  multiply,
  lstm,
  fusionWeights,
  scaleBy,
  biasAdd,
  add,
  concat,
  weightedAdd,
  conv1x1Add,
} satisfies { [K in OpKind]: Emitter<K> };
