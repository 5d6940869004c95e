import type { SpecDocumentInput } from "../document/document.js";

/** One conformance case: a small spec every backend builds, runs and compares (with each other, or a reference). */
export interface OpCase {
  name: string;
  spec: SpecDocumentInput;
  /** Max absolute difference allowed between backends; a backend's default when absent. */
  tolerance?: number;
}

type NodeInput = SpecDocumentInput["nodes"][string];

/** A case with one node `y` on a [5,6,3] input `x` (or `shape`). */
function single(name: string, node: NodeInput, shape: number[] = [5, 6, 3]): OpCase {
  return {
    name,
    spec: { fusegraph: 1, name, inputs: { x: shape }, nodes: { y: { input: "x", ...node } }, outputs: ["y"] },
  };
}

/** A merge `y` of the inputs `a`, `b` (and more) of the given shapes. */
function merge(name: string, node: NodeInput, shapes: number[][]): OpCase {
  const ids = shapes.map((_, i) => String.fromCharCode(97 + i));
  return {
    name,
    spec: {
      fusegraph: 1,
      name,
      inputs: Object.fromEntries(ids.map((id, i) => [id, shapes[i] ?? []])),
      nodes: { y: { inputs: ids, ...node } },
      outputs: ["y"],
    },
  };
}

const primitives: OpCase[] = [
  single("conv2d/valid", { op: "conv2d", filters: 4, kernelSize: 3 }),
  single("conv2d/same-strides2", { op: "conv2d", filters: 4, kernelSize: 3, strides: 2, padding: "same" }),
  single("conv2d/groups", { op: "conv2d", filters: 6, kernelSize: [3, 2], groups: 3, useBias: false }),
  single("conv2d/dilation-explicit-pads", {
    op: "conv2d",
    filters: 2,
    kernelSize: 3,
    dilation: 2,
    padding: [1, 2, 0, 1],
  }),
  single("conv2dTranspose/valid-strides2", { op: "conv2dTranspose", filters: 4, kernelSize: 3, strides: 2 }),
  single("conv2dTranspose/same", {
    op: "conv2dTranspose",
    filters: 2,
    kernelSize: 3,
    strides: 2,
    padding: "same",
  }),
  single("conv2dTranspose/explicit-pads-dilation", {
    op: "conv2dTranspose",
    filters: 2,
    kernelSize: [2, 3],
    dilation: 2,
    padding: [1, 0, 1, 2],
    useBias: false,
  }),
  single("batchNorm/default", { op: "batchNorm" }),
  single("batchNorm/no-center-no-scale", { op: "batchNorm", center: false, scale: false, epsilon: 0.01 }),
  single("activation/relu", { op: "activation", fn: "relu" }),
  single("activation/leakyRelu", { op: "activation", fn: "leakyRelu", alpha: 0.2 }),
  single("activation/sigmoid", { op: "activation", fn: "sigmoid" }),
  single("activation/tanh", { op: "activation", fn: "tanh" }),
  single("activation/softmax", { op: "activation", fn: "softmax" }),
  single("activation/softmax-axis0", { op: "activation", fn: "softmax", axis: 0 }),
  single("maxPool/default", { op: "maxPool" }),
  single("maxPool/same-strides2", { op: "maxPool", poolSize: 3, strides: 2, padding: "same" }),
  single("maxPool/valid-strides1", { op: "maxPool", poolSize: 3, strides: 1 }),
  single("maxPool/ceilMode", { op: "maxPool", poolSize: 3, strides: 2, ceilMode: true }),
  single("maxPool/explicit-pads-dilation", {
    op: "maxPool",
    poolSize: 2,
    strides: 1,
    padding: 1,
    dilation: 2,
  }),
  single("avgPool/same-excludes-pads", { op: "avgPool", poolSize: 3, strides: 2, padding: "same" }),
  single("avgPool/countIncludePad", {
    op: "avgPool",
    poolSize: 3,
    strides: 1,
    padding: 1,
    countIncludePad: true,
  }),
  single("avgPool/ceilMode", { op: "avgPool", poolSize: 2, ceilMode: true }),
  single("avgPool/ceilMode-pads", { op: "avgPool", poolSize: 3, strides: 2, padding: 1, ceilMode: true }),
  single("avgPool/valid-strides", { op: "avgPool", poolSize: [2, 3], strides: [1, 2] }),
  single("globalAvgPool/default", { op: "globalAvgPool" }),
  single("globalAvgPool/keepDims", { op: "globalAvgPool", keepDims: true }),
  single("globalMaxPool/default", { op: "globalMaxPool" }),
  single("globalMaxPool/keepDims", { op: "globalMaxPool", keepDims: true }),
  single("zeroPad/tblr", { op: "zeroPad", padding: [1, 2, 0, 1] }),
  single("zeroPad/int", { op: "zeroPad", padding: 1 }),
  single("crop/cropping", { op: "crop", cropping: [1, 0, 2, 1] }),
  {
    name: "crop/like",
    spec: {
      fusegraph: 1,
      name: "crop-like",
      inputs: { x: [7, 8, 3], s: [4, 5, 2] },
      nodes: { y: { op: "crop", input: "x", like: "s" } },
      outputs: ["y"],
    },
  },
  single("upsample/nearest-factor", { op: "upsample", factor: 2 }),
  single("upsample/nearest-factor-pair", { op: "upsample", factor: [2, 3] }),
  single("upsample/nearest-size", { op: "upsample", size: [7, 9] }),
  single("upsample/bilinear-factor", { op: "upsample", factor: 2, mode: "bilinear" }),
  single("upsample/bilinear-size", { op: "upsample", size: [8, 7], mode: "bilinear" }),
  single("upsample/bilinear-alignCorners", {
    op: "upsample",
    size: [9, 11],
    mode: "bilinear",
    alignCorners: true,
  }),
  {
    name: "upsample/like",
    spec: {
      fusegraph: 1,
      name: "upsample-like",
      inputs: { x: [3, 4, 2], big: [7, 9, 1] },
      nodes: { y: { op: "upsample", input: "x", like: "big", mode: "bilinear" } },
      outputs: ["y"],
    },
  },
  single("dense/rank3", { op: "dense", units: 4 }),
  single("dense/vector-no-bias", { op: "dense", units: 3, useBias: false }, [7]),
  single("flatten", { op: "flatten" }),
  single("dropout", { op: "dropout", rate: 0.5 }),
  {
    name: "multiply/gate",
    spec: {
      fusegraph: 1,
      name: "multiply-gate",
      inputs: { x: [5, 6, 3] },
      nodes: {
        g: { op: "activation", input: "x", fn: "sigmoid" },
        y: { op: "multiply", inputs: ["x", "g"] },
      },
      outputs: ["y"],
    },
  },
  single("lstm/last", { op: "lstm", units: 3 }, [7, 4]),
  single("lstm/sequences", { op: "lstm", units: 3, returnSequences: true, unitForgetBias: false }, [7, 4]),
  single("fusionWeights/softmax", {
    op: "fusionWeights",
    count: 3,
    init: [0.5, -1, 2],
    normalize: "softmax",
  }),
  {
    name: "scaleBy/relu-weights",
    spec: {
      fusegraph: 1,
      name: "scaleBy",
      inputs: { x: [5, 6, 3] },
      nodes: {
        w: { op: "fusionWeights", input: "x", count: 2, init: [0.7, -0.3], normalize: "relu" },
        y: { op: "scaleBy", inputs: ["x", "w"], index: 0 },
      },
      outputs: ["y"],
    },
  },
  single("biasAdd", { op: "biasAdd", init: 0.5 }),
];

const merges: OpCase[] = [
  merge("add/two", { merge: "add" }, [
    [5, 6, 3],
    [5, 6, 3],
  ]),
  merge("add/three", { merge: "add" }, [
    [5, 6, 3],
    [5, 6, 3],
    [5, 6, 3],
  ]),
  merge("concat/channels", { merge: "concat" }, [
    [5, 6, 3],
    [5, 6, 2],
  ]),
  merge("concat/axis0", { merge: "concat", axis: 0 }, [
    [5, 6, 3],
    [2, 6, 3],
  ]),
  ...(["none", "softmax", "relu"] as const).flatMap((normalize) =>
    [false, true].map((bias) =>
      merge(
        `weightedAdd/${normalize}${bias ? "-bias" : ""}`,
        { merge: "weightedAdd", normalize, bias, ...(bias ? { biasInit: 0.25 } : {}) },
        [
          [5, 6, 3],
          [5, 6, 3],
          [5, 6, 3],
        ],
      ),
    ),
  ),
  merge("weightedAdd/init-array", { merge: "weightedAdd", init: [0.3, -0.5] }, [
    [5, 6, 3],
    [5, 6, 3],
  ]),
  merge("conv1x1Add/mismatched-nearest", { merge: "conv1x1Add", channels: 3 }, [
    [5, 6, 3],
    [3, 3, 4],
  ]),
  merge("conv1x1Add/all-bilinear", { merge: "conv1x1Add", channels: 2, project: "all", resize: "bilinear" }, [
    [5, 6, 3],
    [3, 3, 4],
  ]),
  merge(
    "conv1x1Add/list-alignCorners",
    { merge: "conv1x1Add", channels: 3, project: [1], resize: "bilinear", alignCorners: true },
    [
      [5, 6, 3],
      [3, 4, 2],
    ],
  ),
  merge(
    "conv1x1Add/batchNorm-no-bias",
    { merge: "conv1x1Add", channels: 4, norm: "batchNorm", useBias: false },
    [
      [5, 6, 3],
      [5, 6, 4],
      [2, 3, 1],
    ],
  ),
  merge("conv1x1Add/resizeFirst", { merge: "conv1x1Add", channels: 2, project: "all", resizeFirst: true }, [
    [5, 6, 3],
    [3, 3, 4],
  ]),
  merge(
    "conv1x1Add/resizeFirst-bilinear-batchNorm",
    { merge: "conv1x1Add", channels: 2, resize: "bilinear", resizeFirst: true, norm: "batchNorm" },
    [
      [4, 3, 2],
      [5, 6, 3],
    ],
  ),
];

const models: OpCase[] = [
  {
    name: "model/fpn-like",
    tolerance: 1e-4,
    spec: {
      fusegraph: 1,
      name: "tiny-fpn",
      inputs: { x: [16, 16, 3] },
      nodes: {
        c2: { op: "conv2d", input: "x", filters: 4, kernelSize: 3, strides: 2, padding: "same" },
        c2r: { op: "activation", input: "c2", fn: "relu" },
        c3: { op: "conv2d", input: "c2r", filters: 8, kernelSize: 3, strides: 2, padding: "same" },
        c3r: { op: "activation", input: "c3", fn: "relu" },
        c4: { op: "conv2d", input: "c3r", filters: 16, kernelSize: 3, strides: 2, padding: "same" },
        p4: { op: "conv2d", input: "c4", filters: 6, kernelSize: 1 },
        p3: { merge: "conv1x1Add", inputs: ["p4", "c3r"], channels: 6 },
        p2: { merge: "conv1x1Add", inputs: ["p3", "c2r"], channels: 6 },
        o2: { op: "conv2d", input: "p2", filters: 6, kernelSize: 3, padding: "same" },
        o3: { op: "conv2d", input: "p3", filters: 6, kernelSize: 3, padding: "same" },
      },
      outputs: ["o2", "o3", "p4"],
    },
  },
  {
    name: "model/unet-like",
    tolerance: 1e-4,
    spec: {
      fusegraph: 1,
      name: "tiny-unet",
      inputs: { x: [12, 12, 1] },
      nodes: {
        d1: { op: "conv2d", input: "x", filters: 4, kernelSize: 3 },
        d1r: { op: "activation", input: "d1", fn: "relu" },
        pool: { op: "maxPool", input: "d1r" },
        d2: { op: "conv2d", input: "pool", filters: 8, kernelSize: 3 },
        d2n: { op: "batchNorm", input: "d2" },
        d2r: { op: "activation", input: "d2n", fn: "relu" },
        up: { op: "conv2dTranspose", input: "d2r", filters: 4, kernelSize: 2, strides: 2 },
        skip: { op: "crop", input: "d1r", like: "up" },
        cat: { merge: "concat", inputs: ["up", "skip"] },
        head: { op: "conv2d", input: "cat", filters: 2, kernelSize: 1 },
        probs: { op: "activation", input: "head", fn: "softmax" },
      },
      outputs: ["probs"],
    },
  },
  {
    name: "model/hed-like",
    tolerance: 1e-4,
    spec: {
      fusegraph: 1,
      name: "tiny-hed",
      inputs: { x: [8, 8, 3] },
      nodes: {
        s1: { op: "conv2d", input: "x", filters: 4, kernelSize: 3, padding: "same" },
        s1r: { op: "activation", input: "s1", fn: "relu" },
        side1: { op: "conv2d", input: "s1r", filters: 1, kernelSize: 1 },
        p1: { op: "maxPool", input: "s1r" },
        s2: { op: "conv2d", input: "p1", filters: 4, kernelSize: 3, padding: "same" },
        s2r: { op: "activation", input: "s2", fn: "relu" },
        side2c: { op: "conv2d", input: "s2r", filters: 1, kernelSize: 1 },
        side2: { op: "upsample", input: "side2c", like: "side1", mode: "bilinear" },
        p2: { op: "maxPool", input: "s2r" },
        s3: { op: "conv2d", input: "p2", filters: 4, kernelSize: 3, padding: "same" },
        s3r: { op: "activation", input: "s3", fn: "relu" },
        side3c: { op: "conv2d", input: "s3r", filters: 1, kernelSize: 1 },
        side3: {
          op: "conv2dTranspose",
          input: "side3c",
          filters: 1,
          kernelSize: 4,
          strides: 4,
          useBias: false,
        },
        fuse: { merge: "weightedAdd", inputs: ["side1", "side2", "side3"], init: 0.33, bias: true },
        edges: { op: "activation", input: "fuse", fn: "sigmoid" },
      },
      outputs: ["edges", "side1"],
    },
  },
];

/**
 * Conformance cases as data: every primitive and merge variant on tiny inputs, plus tiny FPN-, U-Net-
 * and HED-like models. Backends build each spec with the same seed and compare outputs.
 */
export const opCases: readonly OpCase[] = [...primitives, ...merges, ...models];
