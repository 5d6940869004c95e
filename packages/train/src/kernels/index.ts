export {
  DEFAULT_KERNELS,
  enableWasmTraining,
  type WasmTrainingHandle,
  type WasmTrainingOptions,
} from "./enable.js";
export { WasmTrainingError, type WasmTrainingErrorCode } from "./errors.js";
export type { TrainingKernelName } from "./wasm-kernels.js";
