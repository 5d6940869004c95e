import type { Graph } from "@fusegraph/dsl";
import { type OutputStep, PYTORCH_MODEL_FILE, writeOutputDir } from "@fusegraph/dsl/node";
import { exportPytorch } from "./index.js";

export interface SavePytorchOptions {
  /** Replace a previous fusegraph output in `dir` (default false: refuse). Nothing else is ever replaced. */
  overwrite?: boolean;
  /** Called before each step of the atomic write; for fault-injection tests. */
  onStep?: (step: OutputStep) => void;
}

const FILES = [PYTORCH_MODEL_FILE, "train_ddp.py"] as const;

/**
 * Writes `dir/model.py` and `dir/train_ddp.py` (see `exportPytorch`) with dsl/node's output-directory
 * writer: a new directory is staged and renamed into place, so it holds both files or none; with
 * `overwrite`, a previous fusegraph output of any kind (a PyTorch export — model.py's first line carries
 * dsl/node's PYTORCH_MARK —, a tfjs model, weights, an ONNX model) is replaced in place, so the name
 * never goes missing and in the end holds these two files alone. Throws PytorchExportError before
 * touching the disk when the graph cannot be exported, and OutputDirError when `dir` is refused (it
 * exists without `overwrite`, or is not fusegraph's) or cannot be written.
 */
export async function savePytorch(
  dir: string,
  graph: Graph,
  options: SavePytorchOptions = {},
): Promise<{ files: string[] }> {
  const files = exportPytorch(graph);
  await writeOutputDir(
    dir,
    {
      // model.py is the manifest (written last, the commit point); train_ddp.py imports it.
      manifest: PYTORCH_MODEL_FILE,
      render: () => files["model.py"],
      data: [{ name: "train_ddp.py", bytes: new TextEncoder().encode(files["train_ddp.py"]) }],
    },
    { overwrite: options.overwrite === true, ...(options.onStep ? { onStep: options.onStep } : {}) },
  );
  return { files: [...FILES] };
}
