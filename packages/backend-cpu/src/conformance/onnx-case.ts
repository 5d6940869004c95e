import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { decodeModel, decodeTensor, type OnnxModel, type OnnxTensor } from "./onnx.js";

/** One ONNX backend test case: the model and its first data set, tensors named after the graph's I/O. */
export interface OnnxCase {
  name: string;
  model: OnnxModel;
  /** Input values by name: the data set's inputs (in the graph's input order) and the initializers. */
  values: Map<string, OnnxTensor>;
  /** Expected outputs in the graph's output order. */
  expected: OnnxTensor[];
}

function numbered(dir: string, prefix: string): string[] {
  const files = readdirSync(dir).filter((f) => new RegExp(`^${prefix}_\\d+\\.pb$`).test(f));
  return files.sort(
    (a, b) => Number(a.slice(prefix.length + 1, -3)) - Number(b.slice(prefix.length + 1, -3)),
  );
}

/** Reads `model.onnx` and `test_data_set_0/{input,output}_N.pb` of a case directory. */
export function loadOnnxCase(dir: string, name: string): OnnxCase {
  const model = decodeModel(readFileSync(join(dir, "model.onnx")));
  const data = join(dir, "test_data_set_0");
  const values = new Map<string, OnnxTensor>();
  for (const t of model.graph.initializers) values.set(t.name, t);
  const initialised = new Set(values.keys());
  // NOTE: input_N.pb follows the graph inputs that are not initializers, in order.
  const fed = model.graph.inputs.filter((i) => !initialised.has(i.name));
  const inputs = existsSync(data) ? numbered(data, "input") : [];
  if (inputs.length !== fed.length) {
    throw new Error(`${name}: ${inputs.length} input files for ${fed.length} graph inputs`);
  }
  inputs.forEach((file, i) => {
    values.set(fed[i]?.name ?? "", decodeTensor(readFileSync(join(data, file))));
  });
  const expected = numbered(data, "output").map((f) => decodeTensor(readFileSync(join(data, f))));
  if (expected.length !== model.graph.outputs.length) {
    throw new Error(
      `${name}: ${expected.length} output files for ${model.graph.outputs.length} graph outputs`,
    );
  }
  return { name, model, values, expected };
}

/** Case directories (`test_*`) under the suite root, sorted by name. */
export function listOnnxCases(root: string): string[] {
  return readdirSync(root, { withFileTypes: true })
    .filter((e) => e.isDirectory() && e.name.startsWith("test_"))
    .map((e) => e.name)
    .sort();
}
