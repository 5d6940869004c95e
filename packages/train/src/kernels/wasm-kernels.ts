import type { OneShotConv } from "@fusegraph/backend-cpu/oneshot";
import * as tf from "@tensorflow/tfjs";
import { type ConvGradGeometry, filterGrad, inputGrad } from "./conv-grads.js";
import { WasmTrainingError } from "./errors.js";
import { avgPoolGrad, maxPoolGrad, type PoolGeometry } from "./pool-grads.js";
import { unsortedSegmentSum } from "./segment-sum.js";

/** The two methods of tfjs-backend-wasm's BackendWasm these kernels use (typed here to avoid importing it). */
interface WasmBackendLike {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array | Int32Array | Uint8Array;
}

/** Kernel names this module implements, typed so a table of them cannot miss one. */
export type TrainingKernelName =
  | "Conv2DBackpropFilter"
  | "Conv2DBackpropInput"
  | "UnsortedSegmentSum"
  | "MaxPoolGrad"
  | "AvgPoolGrad";

type Padding = Parameters<typeof tf.backend_util.computeConv2DInfo>[4];
interface ConvGradAttrs {
  strides: [number, number] | number;
  pad: Padding;
  dataFormat: "NHWC" | "NCHW";
  dimRoundingMode?: "floor" | "round" | "ceil";
}
type Shape4 = [number, number, number, number];

function shape4(s: readonly number[]): Shape4 {
  return [s[0] ?? 1, s[1] ?? 1, s[2] ?? 1, s[3] ?? 1];
}

function nhwcOnly(kernel: string, a: ConvGradAttrs): void {
  if (a.dataFormat === "NCHW")
    throw new WasmTrainingError(
      "unsupported_kernel_input",
      `${kernel} on wasm with enableWasmTraining supports NHWC data only, received NCHW`,
      "use channels-last data (fusegraph and tfjs layers default to it)",
    );
}

/** The geometry of the forward conv whose gradient is asked for, as tfjs computes it. */
function geometry(xShape: Shape4, filterShape: Shape4, a: ConvGradAttrs): ConvGradGeometry {
  const info = tf.backend_util.computeConv2DInfo(
    xShape,
    filterShape,
    a.strides,
    1,
    a.pad,
    a.dimRoundingMode,
    false,
    "channelsLast",
  );
  return {
    batch: info.batchSize,
    inH: info.inHeight,
    inW: info.inWidth,
    inC: info.inChannels,
    outH: info.outHeight,
    outW: info.outWidth,
    outC: info.outChannels,
    kh: info.filterHeight,
    kw: info.filterWidth,
    sh: info.strideHeight,
    sw: info.strideWidth,
    padT: info.padInfo.top,
    padL: info.padInfo.left,
  };
}

const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

interface PoolGradAttrs {
  filterSize: [number, number] | number;
  strides: [number, number] | number;
  pad: Padding;
  dimRoundingMode?: "floor" | "round" | "ceil";
}

function poolGeometry(xShape: Shape4, a: PoolGradAttrs): PoolGeometry {
  const info = tf.backend_util.computePool2DInfo(
    xShape,
    a.filterSize,
    a.strides,
    1,
    a.pad,
    a.dimRoundingMode,
  );
  return {
    batch: info.batchSize,
    inH: info.inHeight,
    inW: info.inWidth,
    channels: info.inChannels,
    outH: info.outHeight,
    outW: info.outWidth,
    kh: info.filterHeight,
    kw: info.filterWidth,
    sh: info.strideHeight,
    sw: info.strideWidth,
    padT: info.padInfo.top,
    padL: info.padInfo.left,
  };
}

/**
 * Pixels of dx (batch * inH * inW) below which tfjs-wasm's own Conv2DBackpropInput runs instead of the
 * GEMM: on maps of 4x4 and less (HED-lite's deep 256-512 channel stages) repacking the whole kernel on
 * every call costs more than the direct loop; train-step measured theirs 1.1-1.7x faster on HED-lite
 * overall, ours 3-5x faster on 16x16-32x32 maps.
 */
const BACKPROP_INPUT_MIN_PIXELS = 64;

/** Backends whose copy of tfjs's setup for a delegated kernel has run. */
const setUp = new WeakMap<tf.KernelConfig, WeakSet<object>>();

/** Runs one of tfjs's own kernels, first running its setup (cwrap) once per backend instance. */
function delegate(config: tf.KernelConfig, args: Parameters<tf.KernelFunc>[0]): ReturnType<tf.KernelFunc> {
  const done = setUp.get(config) ?? new WeakSet<object>();
  setUp.set(config, done);
  if (!done.has(args.backend)) {
    config.setupFunc?.(args.backend);
    done.add(args.backend);
  }
  return config.kernelFunc(args);
}

/**
 * Kernel configs for backend "wasm" running on `conv` (backend-cpu's WebAssembly GEMM); `theirs` are
 * tfjs-wasm's own configs, which small Conv2DBackpropInput calls are handed to.
 */
export function trainingKernels(
  conv: OneShotConv,
  theirs: Partial<Record<TrainingKernelName, tf.KernelConfig>> = {},
): Record<TrainingKernelName, tf.KernelConfig> {
  const conv2DBackpropFilter: tf.KernelFunc = ({ inputs, backend, attrs }) => {
    const wasm = backend as unknown as WasmBackendLike;
    const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
    const a = attrs as unknown as ConvGradAttrs & { filterShape: Shape4 };
    nhwcOnly("Conv2DBackpropFilter", a);
    // NOTE: makeOutput may grow tfjs's memory, which detaches older views: take views after it.
    const out = wasm.makeOutput([...a.filterShape], "float32");
    const o = wasm.typedArrayFromHeap(out) as Float32Array;
    if (size(x.shape) === 0 || size(dy.shape) === 0) {
      o.fill(0);
      return out;
    }
    const d = geometry(shape4(x.shape), a.filterShape, a);
    filterGrad(
      conv,
      d,
      wasm.typedArrayFromHeap(x) as Float32Array,
      wasm.typedArrayFromHeap(dy) as Float32Array,
      o,
    );
    return out;
  };

  const conv2DBackpropInput: tf.KernelFunc = (args) => {
    const { inputs, backend, attrs } = args;
    const wasm = backend as unknown as WasmBackendLike;
    const { dy, filter } = inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
    const a = attrs as unknown as ConvGradAttrs & { inputShape: Shape4 };
    const own = theirs.Conv2DBackpropInput;
    if (own && a.inputShape[0] * a.inputShape[1] * a.inputShape[2] < BACKPROP_INPUT_MIN_PIXELS) {
      return delegate(own, args);
    }
    nhwcOnly("Conv2DBackpropInput", a);
    const out = wasm.makeOutput([...a.inputShape], "float32");
    const o = wasm.typedArrayFromHeap(out) as Float32Array;
    if (size(a.inputShape) === 0 || size(dy.shape) === 0) {
      o.fill(0);
      return out;
    }
    const d = geometry(a.inputShape, shape4(filter.shape), a);
    inputGrad(
      conv,
      d,
      wasm.typedArrayFromHeap(dy) as Float32Array,
      wasm.typedArrayFromHeap(filter) as Float32Array,
      o,
    );
    return out;
  };

  const unsortedSegmentSumKernel: tf.KernelFunc = ({ inputs, backend, attrs }) => {
    const wasm = backend as unknown as WasmBackendLike;
    const { x, segmentIds } = inputs as { x: tf.TensorInfo; segmentIds: tf.TensorInfo };
    const { numSegments } = attrs as unknown as { numSegments: number };
    const inner = x.shape.slice(segmentIds.shape.length);
    const out = wasm.makeOutput([numSegments, ...inner], x.dtype);
    const o = wasm.typedArrayFromHeap(out) as Float32Array | Int32Array;
    unsortedSegmentSum(wasm.typedArrayFromHeap(x), wasm.typedArrayFromHeap(segmentIds), numSegments, o);
    return out;
  };

  const maxPoolGradKernel: tf.KernelFunc = ({ inputs, backend, attrs }) => {
    const wasm = backend as unknown as WasmBackendLike;
    const { dy, input } = inputs as { dy: tf.TensorInfo; input: tf.TensorInfo };
    const out = wasm.makeOutput([...input.shape], "float32");
    const g = poolGeometry(shape4(input.shape), attrs as unknown as PoolGradAttrs);
    const x = wasm.typedArrayFromHeap(input) as Float32Array;
    maxPoolGrad(
      g,
      x,
      wasm.typedArrayFromHeap(dy) as Float32Array,
      wasm.typedArrayFromHeap(out) as Float32Array,
    );
    return out;
  };

  const avgPoolGradKernel: tf.KernelFunc = ({ inputs, backend, attrs }) => {
    const wasm = backend as unknown as WasmBackendLike;
    const { dy, input } = inputs as { dy: tf.TensorInfo; input: tf.TensorInfo };
    const out = wasm.makeOutput([...input.shape], "float32");
    const g = poolGeometry(shape4(input.shape), attrs as unknown as PoolGradAttrs);
    avgPoolGrad(g, wasm.typedArrayFromHeap(dy) as Float32Array, wasm.typedArrayFromHeap(out) as Float32Array);
    return out;
  };

  const config = (kernelName: TrainingKernelName, kernelFunc: tf.KernelFunc): tf.KernelConfig => ({
    kernelName,
    backendName: "wasm",
    kernelFunc,
  });
  return {
    Conv2DBackpropFilter: config("Conv2DBackpropFilter", conv2DBackpropFilter),
    Conv2DBackpropInput: config("Conv2DBackpropInput", conv2DBackpropInput),
    UnsortedSegmentSum: config("UnsortedSegmentSum", unsortedSegmentSumKernel),
    MaxPoolGrad: config("MaxPoolGrad", maxPoolGradKernel),
    AvgPoolGrad: config("AvgPoolGrad", avgPoolGradKernel),
  };
}
