/** Why a graph cannot be exported to PyTorch; stable for callers to branch on. */
export type PytorchExportErrorCode = "unsupported_rank";

/** Thrown by `exportPytorch` for a node PyTorch's modules cannot express; names the node and a way out. */
export class PytorchExportError extends Error {
  override readonly name = "PytorchExportError";

  constructor(
    readonly code: PytorchExportErrorCode,
    readonly nodeId: string,
    message: string,
    readonly hint: string,
  ) {
    super(`node "${nodeId}": ${message}. Hint: ${hint}`);
  }
}
