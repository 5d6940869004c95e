import { activation } from "./activation.js";
import { add } from "./add.js";
import { avgPool } from "./avgPool.js";
import { batchNorm } from "./batchNorm.js";
import { biasAdd } from "./biasAdd.js";
import { concat } from "./concat.js";
import { conv1x1Add } from "./conv1x1Add.js";
import { conv2d } from "./conv2d.js";
import { conv2dTranspose } from "./conv2dTranspose.js";
import { crop } from "./crop.js";
import type { OpDef, ParamsOf } from "./define-op.js";
import { dense } from "./dense.js";
import { dropout } from "./dropout.js";
import { flatten } from "./flatten.js";
import { fusionWeights } from "./fusionWeights.js";
import { globalAvgPool } from "./globalAvgPool.js";
import { globalMaxPool } from "./globalMaxPool.js";
import { lstm } from "./lstm.js";
import { maxPool } from "./maxPool.js";
import { multiply } from "./multiply.js";
import { scaleBy } from "./scaleBy.js";
import { upsample } from "./upsample.js";
import { weightedAdd } from "./weightedAdd.js";
import { zeroPad } from "./zeroPad.js";

/**
 * Every op the spec language knows, keyed by kind. Backends type their kernel/lowering tables against
 * these keys, so adding an op here fails to compile until every backend handles it.
 */
export const ops = {
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
} as const;

export type Ops = typeof ops;
export type OpKind = keyof Ops;
/** Composite ops: they have an `expand()`, so a backend may implement them natively or not at all. */
export const compositeKinds = ["weightedAdd", "conv1x1Add"] as const satisfies readonly OpKind[];
export type CompositeKind = (typeof compositeKinds)[number];
/** Ops every backend must implement. */
export type CoreKind = Exclude<OpKind, CompositeKind>;
export type MergeKind = { [K in OpKind]: Ops[K]["category"] extends "merge" ? K : never }[OpKind];
export type OpParams<K extends OpKind> = ParamsOf<Ops[K]>;

export function isOpKind(kind: string): kind is OpKind {
  return Object.hasOwn(ops, kind);
}

export function isCompositeKind(kind: string): kind is CompositeKind {
  return (compositeKinds as readonly string[]).includes(kind);
}

/**
 * The registry entry of `kind` seen through its erased signature, so generic code (the pipeline, graph
 * expansion, backends) can call any op's rules without per-kind code. Sound as long as each def is
 * handed only params its own schema produced (or, for `params.parse`, anything).
 */
export function opDef(kind: OpKind): OpDef<string, unknown> {
  // NOTE: the registry's entries differ only in their params type, which a union cannot express as one callable.
  return ops[kind] as unknown as OpDef<string, unknown>;
}

export type { ActivationFn, ActivationParams } from "./activation.js";
export type { AvgPoolParams } from "./avgPool.js";
export type { BatchNormParams } from "./batchNorm.js";
export type { BiasAddParams } from "./biasAdd.js";
export type { ConcatParams } from "./concat.js";
export { type Conv1x1AddParams, projectedInputs, targetSize } from "./conv1x1Add.js";
export type { Conv2dParams } from "./conv2d.js";
export type { Conv2dTransposeParams } from "./conv2dTranspose.js";
export { type CropParams, centreCropOffsets } from "./crop.js";
export type { OpDef } from "./define-op.js";
export type { DenseParams } from "./dense.js";
export type { DropoutParams } from "./dropout.js";
export type { FlattenParams } from "./flatten.js";
export {
  type FusionWeightsParams,
  fusionInit,
  type NormalizeMode,
  normalizeFlops,
  normalizeMode,
} from "./fusionWeights.js";
export type { GlobalAvgPoolParams } from "./globalAvgPool.js";
export type { GlobalMaxPoolParams } from "./globalMaxPool.js";
export type { LstmParams } from "./lstm.js";
export type { MaxPoolParams } from "./maxPool.js";
export type { MultiplyParams } from "./multiply.js";
export type { ScaleByParams } from "./scaleBy.js";
export { BILINEAR_FLOPS, resizeSource, type UpsampleParams } from "./upsample.js";
export type { WeightedAddParams } from "./weightedAdd.js";
export type { ZeroPadParams } from "./zeroPad.js";
export {
  activation,
  add,
  avgPool,
  batchNorm,
  biasAdd,
  concat,
  conv1x1Add,
  conv2d,
  conv2dTranspose,
  crop,
  dense,
  dropout,
  flatten,
  fusionWeights,
  globalAvgPool,
  globalMaxPool,
  lstm,
  maxPool,
  multiply,
  scaleBy,
  upsample,
  weightedAdd,
  zeroPad,
};
