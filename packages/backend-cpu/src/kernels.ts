import { activation } from "./kernels/activation.js";
import { add } from "./kernels/add.js";
import { avgPool } from "./kernels/avgPool.js";
import { batchNorm } from "./kernels/batchNorm.js";
import { biasAdd } from "./kernels/biasAdd.js";
import { concat } from "./kernels/concat.js";
import { conv2d } from "./kernels/conv2d.js";
import { conv2dTranspose } from "./kernels/conv2dTranspose.js";
import { crop } from "./kernels/crop.js";
import { dense } from "./kernels/dense.js";
import { dropout } from "./kernels/dropout.js";
import { flatten } from "./kernels/flatten.js";
import { fusionWeights } from "./kernels/fusionWeights.js";
import { globalAvgPool } from "./kernels/globalAvgPool.js";
import { globalMaxPool } from "./kernels/globalMaxPool.js";
import { lstm } from "./kernels/lstm.js";
import { maxPool } from "./kernels/maxPool.js";
import { multiply } from "./kernels/multiply.js";
import { scaleBy } from "./kernels/scaleBy.js";
import type { KernelTable } from "./kernels/types.js";
import { upsample } from "./kernels/upsample.js";
import { zeroPad } from "./kernels/zeroPad.js";

export type {
  Compute,
  FoldedBatchNorm,
  FusedActivation,
  Fuses,
  Kernel,
  KernelArgs,
  KernelTable,
  Runtime,
} from "./kernels/types.js";

/**
 * One kernel per core op kind, and the only way the executor computes a node. Typed against the op
 * registry, so a kind added to `@fusegraph/dsl` fails to compile here until it has a kernel. Composite
 * kinds (weightedAdd, conv1x1Add) are expanded into core kinds first; conv1x1Add's projection is then a
 * conv2d whose batchNorm and add fuse into it like any other. An entry's `fuses` says which following
 * nodes it takes over; a Compute with `aliasesInput` (dropout, flatten) shares its input's buffer.
 */
export const kernels = {
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
} satisfies KernelTable;
