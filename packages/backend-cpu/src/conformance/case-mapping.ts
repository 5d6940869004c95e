import type { SpecDocumentInput, TensorData, WeightMap } from "@fusegraph/dsl";
import type { OnnxNode, OnnxTensor } from "./onnx.js";

/** What a mapper sees: the node, its opset and the values of its inputs. */
export interface MapContext {
  node: OnnxNode;
  /** The default-domain opset the model imports (Softmax's axis rule changed at 13). */
  opset: number;
  /** Values by ONNX name: the data set's inputs and the graph's initializers. */
  values: ReadonlyMap<string, OnnxTensor>;
}

/** Reads one graph output back into ONNX's layout and dims. */
export interface OutputReader {
  /** Id of the fusegraph node whose output this is. */
  id: string;
  toOnnx(t: TensorData): TensorData;
}

/** A case as a fusegraph spec, its weights, the feeds (batch first, channels last) and its outputs. */
export interface MappedCase {
  doc: SpecDocumentInput;
  weights: WeightMap;
  feeds: Record<string, TensorData>;
  /** One per ONNX output, in the node's order. */
  outputs: readonly OutputReader[];
}

/** A mapping, or the reason the DSL cannot express the case faithfully. */
export type MapResult = { ok: true; mapped: MappedCase } | { ok: false; reason: string };

export type Mapper = (ctx: MapContext) => MapResult;

export function skip(reason: string): MapResult {
  return { ok: false, reason };
}

export function mapped(m: MappedCase): MapResult {
  return { ok: true, mapped: m };
}
