/** Why a graph could not be exported to ONNX, or the model could not be written. */
export type OnnxExportErrorCode =
  /** `opset` is not one the exporter writes (17 to 19). */
  | "unsupported_opset"
  /** The node's params ask for something the target opset cannot express (e.g. avgPool dilation before opset 19). */
  | "unsupported_params"
  /** A weight is missing from the map, or its shape or dtype differs from the node's weight spec. */
  | "missing_weight"
  | "weight_shape"
  | "weight_dtype"
  /** A composite's `expand()` produced a part whose shape could not be inferred. */
  | "expansion_failed"
  /** A graph output is one of the graph's inputs: ONNX needs distinct names for the two. */
  | "output_is_input"
  /** `saveOnnx` could not write, or refused, the output directory (the cause is an OutputDirError). */
  | "output_dir";

/**
 * Thrown by `exportOnnx` and `saveOnnx`: names the node (or input, or directory) concerned, the rule,
 * and what to do about it.
 */
export class OnnxExportError extends Error {
  override readonly name = "OnnxExportError";
  readonly code: OnnxExportErrorCode;
  /** The node (or graph input) concerned; undefined for model-wide problems such as the opset. */
  readonly nodeId: string | undefined;
  readonly hint: string | undefined;

  constructor(
    code: OnnxExportErrorCode,
    nodeId: string | undefined,
    message: string,
    hint?: string,
    options?: ErrorOptions,
  ) {
    const subject = nodeId === undefined ? message : `node "${nodeId}": ${message}`;
    super(hint ? `${subject}\n    hint: ${hint}` : subject, options);
    this.code = code;
    this.nodeId = nodeId;
    this.hint = hint;
  }
}
