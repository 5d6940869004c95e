import type { GraphNodeOf, OpKind, Shape } from "@fusegraph/dsl";
import type { HelperName } from "./helpers-py.js";

/**
 * How a fusegraph weight and its PyTorch tensor differ: `hwio` conv kernels [kh, kw, a, b] <-> [b, a, kh, kw];
 * `io` dense and LSTM kernels [in, out] <-> [out, in]; `vector` the same values; `lstm_bias` Keras's one
 * LSTM bias <-> PyTorch's bias_ih (bias_hh is zeroed on load and summed in on save).
 */
export type WeightLayout = "hwio" | "io" | "vector" | "lstm_bias";

/** One weight of a node: its fusegraph name (without the node id), the tensor under the node's attribute. */
export interface WeightBinding {
  name: string;
  tensor: string;
  layout: WeightLayout;
}

export interface EmitArgs<K extends OpKind> {
  node: GraphNodeOf<K>;
  /** Python variables holding the node's inputs (data inputs, then refs such as crop's `like`). */
  inputs: readonly string[];
  inputShapes: readonly Shape[];
  /** `self.<attribute>` of the node's module. */
  self: string;
}

export interface NodeCode {
  /** Constructor of the node's module attribute; absent for ops written as functions in forward. */
  module?: string;
  /** Extra constructor lines after the module, e.g. freezing a batchNorm gamma that fusegraph does not have. */
  setup?: readonly string[];
  /** The forward expression. */
  forward: string;
  weights?: readonly WeightBinding[];
  helpers?: readonly HelperName[];
}

/** Python for one op kind. */
export type Emitter<K extends OpKind> = (args: EmitArgs<K>) => NodeCode;
