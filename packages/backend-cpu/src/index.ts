export { initWeights, type TensorData, type WeightMap } from "@fusegraph/dsl";
export { ExecutionError, type ExecutionErrorCode } from "./errors.js";
export {
  type Compute,
  type FusedActivation,
  type Kernel,
  type KernelArgs,
  type KernelTable,
  kernels,
} from "./kernels.js";
export { type NonFiniteWeight, nonFiniteWeights } from "./non-finite.js";
export { checkWeights, type Executor, type PrepareOptions, prepare, type WinogradMode } from "./prepare.js";
export {
  type KindProfile,
  type NodeProfile,
  type ProfiledRun,
  type RunProfile,
  topNodes,
} from "./profile.js";
export { tensor } from "./tensor.js";
export {
  BINARY_FILE,
  encodeWeights,
  loadWeights,
  MANIFEST_FILE,
  saveWeights,
  type WeightEntry,
  type WeightsManifest,
} from "./weights-io.js";
