import type { Graph, WeightMap } from "@fusegraph/dsl";
import { ONNX_MODEL_FILE, OutputDirError, type OutputStep, writeOutputDir } from "@fusegraph/dsl/node";
import { OnnxExportError } from "./errors.js";
import { type ExportOnnxOptions, exportOnnx } from "./export.js";

/** The file `saveOnnx` writes inside its directory. */
export const ONNX_FILE = ONNX_MODEL_FILE;

export interface SaveOnnxOptions extends Pick<ExportOnnxOptions, "opset"> {
  /** Replace a previous fusegraph output in `dir` (default false: refuse). Nothing else is ever replaced. */
  overwrite?: boolean;
  /** Called before each step of the atomic write; for fault-injection tests. */
  onStep?: (step: OutputStep) => void;
}

/**
 * Exports `graph` and writes `dir/model.onnx` with dsl/node's output-directory writer: never the
 * working directory, home or a directory of the user's; an existing fusegraph output (of any kind: a
 * tfjs model, weights, a PyTorch export, a previous ONNX export) only with `overwrite`, replaced in
 * place so that `dir` always holds one complete output and in the end model.onnx alone. Export errors
 * are thrown before anything is written; a refused or failed write is an OnnxExportError of code
 * `output_dir` whose cause is the OutputDirError.
 */
export async function saveOnnx(
  dir: string,
  graph: Graph,
  weights: WeightMap,
  options: SaveOnnxOptions = {},
): Promise<{ files: string[] }> {
  const bytes = exportOnnx(graph, {
    weights,
    ...(options.opset !== undefined ? { opset: options.opset } : {}),
  });
  try {
    await writeOutputDir(
      dir,
      { manifest: ONNX_FILE, render: () => bytes, data: [] },
      { overwrite: options.overwrite === true, ...(options.onStep ? { onStep: options.onStep } : {}) },
    );
  } catch (e) {
    if (!(e instanceof OutputDirError)) throw e;
    throw new OnnxExportError("output_dir", undefined, e.message, undefined, { cause: e });
  }
  return { files: [ONNX_FILE] };
}

export { OnnxExportError } from "./errors.js";
