import type { CompositeKind, CoreKind } from "@fusegraph/dsl";
import type { Lowering } from "./lowering.js";
import { batchNorm } from "./lowerings/batchNorm.js";
import { conv2d, conv2dTranspose } from "./lowerings/conv.js";
import { dense } from "./lowerings/dense.js";
import { activation, add, biasAdd, dropout, multiply, scaleBy } from "./lowerings/elementwise.js";
import { fusionWeights, weightedAdd } from "./lowerings/fusion.js";
import { lstm } from "./lowerings/lstm.js";
import { avgPool, globalAvgPool, globalMaxPool, maxPool } from "./lowerings/pool.js";
import { concat, flatten } from "./lowerings/reshape.js";
import { crop, upsample, zeroPad } from "./lowerings/spatial.js";

/** One lowering per primitive and merge; a kind missing here fails to compile. */
export const coreLowerings = {
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
} satisfies { [K in CoreKind]: Lowering<K> };

/**
 * Composites: weightedAdd natively (its weights, normalised, scale each input; no per-example Expand),
 * conv1x1Add through its `expand()` (Conv, BatchNormalization, Resize, Sum: the parts are the ops).
 */
export const compositeLowerings = {
  weightedAdd,
  conv1x1Add: (_node, ctx) => ctx.expand(),
} satisfies { [K in CompositeKind]: Lowering<K> };

export const lowerings = { ...coreLowerings, ...compositeLowerings };
