import type { Graph } from "@fusegraph/dsl";
import { modelPy } from "./model-py.js";
import { trainDdpPy } from "./train-ddp-py.js";

export type { EmitArgs, Emitter, NodeCode, WeightBinding, WeightLayout } from "./emit-types.js";
export { emitters } from "./emitters.js";
export { PytorchExportError, type PytorchExportErrorCode } from "./errors.js";
export { pythonIdentifier } from "./names.js";

/** The files of a PyTorch export, by name. */
export interface PytorchExport {
  /** The nn.Module, the weight table, fusegraph weights load/save and a NHWC command line. */
  "model.py": string;
  /** DistributedDataParallel training of model.py's module under torchrun. */
  "train_ddp.py": string;
}

/**
 * Exports a validated graph as Python source: `model.py` (an nn.Module with one attribute per weighted
 * node, `build_model`, `load_fusegraph_weights`, `save_fusegraph_weights`, a command line) and
 * `train_ddp.py` (torchrun + DistributedDataParallel). Pure: nothing is written or run. Throws
 * PytorchExportError for a node PyTorch's modules cannot express.
 */
export function exportPytorch(graph: Graph): PytorchExport {
  return { "model.py": modelPy(graph), "train_ddp.py": trainDdpPy(graph) };
}
