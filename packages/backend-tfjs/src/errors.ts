/** Why a graph could not be lowered to tfjs layers, or a model could not be saved or loaded. */
export type CompileErrorCode =
  /** The node's params ask for something tfjs layers cannot express (e.g. dilation with strides). */
  | "unsupported_params"
  /** The node id cannot become a tfjs layer name (see {@link layerNameFor}). */
  | "unsupported_id"
  /** A weight given to `compile`/`setModelWeights` is missing or has the wrong shape. */
  | "weights_mismatch"
  /** A node or output the model needs is absent from the graph or the model. */
  | "unknown_node"
  /** The lowered layers' output shape differs from the node's inferred shape (a lowering bug). */
  | "shape_mismatch"
  /** `predict` got no tensor for a graph input (the error's node id is the input's). */
  | "missing_input"
  /** `predict` got a tensor whose shape is not `[N, ...input shape]`. */
  | "input_shape";

/**
 * Thrown by `compile`, `predict` and the weight helpers. Names the node, the rule and what to do about it, so
 * a user never has to read a tfjs stack trace.
 */
export class CompileError extends Error {
  override readonly name = "CompileError";
  readonly nodeId: string;
  readonly code: CompileErrorCode;
  readonly hint: string | undefined;

  constructor(nodeId: string, code: CompileErrorCode, message: string, hint?: string) {
    super(hint ? `node "${nodeId}": ${message}\n    hint: ${hint}` : `node "${nodeId}": ${message}`);
    this.nodeId = nodeId;
    this.code = code;
    this.hint = hint;
  }
}

export type ModelIoErrorCode =
  /** The directory holds a previous output and `overwrite` was not given. */
  | "output_exists"
  /** The path must not be replaced: the working directory or an ancestor, a file, or a directory of the user's. */
  | "output_refused"
  | "invalid_model";

/** Thrown by `saveModel`/`loadModel` for problems with the model directory. */
export class ModelIoError extends Error {
  override readonly name = "ModelIoError";
  readonly code: ModelIoErrorCode;
  readonly path: string;

  constructor(code: ModelIoErrorCode, path: string, message: string) {
    super(message);
    this.code = code;
    this.path = path;
  }
}
