export type WasmTrainingErrorCode =
  /** This JavaScript engine lacks WebAssembly SIMD or threads (shared memory). */
  | "wasm_unsupported"
  /** A kernel was asked for something it does not implement (e.g. NCHW data). */
  | "unsupported_kernel_input";

/** Thrown by enableWasmTraining and its kernels; the message ends with a hint. */
export class WasmTrainingError extends Error {
  override readonly name = "WasmTrainingError";

  constructor(
    readonly code: WasmTrainingErrorCode,
    message: string,
    readonly hint: string,
  ) {
    super(`${message}. Hint: ${hint}`);
  }
}
