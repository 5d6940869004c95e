/** What went wrong when preparing, running or loading; stable for callers to branch on. */
export type ExecutionErrorCode =
  | "unknown_input"
  | "missing_input"
  | "input_shape"
  | "input_dtype"
  | "missing_weight"
  | "unexpected_weight"
  | "weight_shape"
  | "weight_dtype"
  | "weights_truncated"
  | "weights_format"
  | "weights_overlap"
  | "weights_io"
  | "disposed"
  | "worker_failed";

/** Thrown at the backend's API edges; the message names the input or weight concerned. */
export class ExecutionError extends Error {
  override readonly name = "ExecutionError";
  readonly code: ExecutionErrorCode;

  /** `options.cause`: the error underneath (e.g. the OutputDirError of a refused weights directory). */
  constructor(code: ExecutionErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
  }
}
