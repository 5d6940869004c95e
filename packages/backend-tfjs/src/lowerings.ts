import type { CompositeKind, CoreKind } from "@fusegraph/dsl";
import type { Lowering } from "./lowering.js";
import { activation } from "./lowerings/activation.js";
import { add } from "./lowerings/add.js";
import { avgPool } from "./lowerings/avgPool.js";
import { batchNorm } from "./lowerings/batchNorm.js";
import { biasAdd } from "./lowerings/biasAdd.js";
import { concat } from "./lowerings/concat.js";
import { conv1x1Add } from "./lowerings/conv1x1Add.js";
import { conv2d } from "./lowerings/conv2d.js";
import { conv2dTranspose } from "./lowerings/conv2dTranspose.js";
import { crop } from "./lowerings/crop.js";
import { dense } from "./lowerings/dense.js";
import { dropout } from "./lowerings/dropout.js";
import { flatten } from "./lowerings/flatten.js";
import { fusionWeights } from "./lowerings/fusionWeights.js";
import { globalAvgPool } from "./lowerings/globalAvgPool.js";
import { globalMaxPool } from "./lowerings/globalMaxPool.js";
import { lstm } from "./lowerings/lstm.js";
import { maxPool } from "./lowerings/maxPool.js";
import { multiply } from "./lowerings/multiply.js";
import { scaleBy } from "./lowerings/scaleBy.js";
import { upsample } from "./lowerings/upsample.js";
import { weightedAdd } from "./lowerings/weightedAdd.js";
import { zeroPad } from "./lowerings/zeroPad.js";

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
 * Composites lowered natively (one WeightedAdd layer; conv1x1Add's convs, resizes and add), with the
 * weight names of their op definitions, so no expansion is needed.
 */
export const compositeLowerings = {
  weightedAdd,
  conv1x1Add,
} satisfies { [K in CompositeKind]: Lowering<K> };

export const lowerings = { ...coreLowerings, ...compositeLowerings };
