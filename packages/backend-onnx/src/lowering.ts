import type { Graph, GraphNodeOf, OpKind, Shape } from "@fusegraph/dsl";
import type { OnnxExportErrorCode } from "./errors.js";
import type { Attributes, GraphBuilder, Layout, Value } from "./graph-builder.js";

/** A weight as a lowering reads it: its key in the weight map (the initializer's base name) and data. */
export interface WeightTensor {
  readonly key: string;
  readonly shape: Shape;
  readonly data: Float32Array;
}

/** What a lowering gets besides its node: its inputs, the graph being built, naming and error helpers. */
export interface LowerContext {
  readonly graph: Graph;
  readonly nodeId: string;
  readonly opset: number;
  readonly builder: GraphBuilder;
  /** ONNX tensors of the node's inputs (data inputs, then param refs such as crop's `like`). */
  readonly inputs: readonly Value[];
  /** One example's shape of each input (batch implicit), in fusegraph's channels-last order. */
  readonly inputShapes: readonly Shape[];
  /** Input `i` in `layout` (a Transpose when needed); inputs whose example rank is not 3 are returned as they are. */
  input(i: number, layout: Layout): Value;
  /** The node's weight `name`, checked against its op's weight spec (shared and composite weights resolved). */
  weight(name: string): WeightTensor;
  /** An intermediate node `<id>/<part>` with one output of the same name; returns the output's name. */
  aux(opType: string, part: string, inputs: readonly string[], attributes?: Attributes): string;
  /** The node's own ONNX node, named after it, whose output is the node's value in `layout`. */
  emit(opType: string, inputs: readonly string[], layout: Layout, attributes?: Attributes): Value;
  /** An int64 constant `<id>/<part>`; `dims` [] makes a scalar. */
  ints(part: string, values: readonly number[], dims?: readonly number[]): string;
  /** A float constant `<id>/<part>`. */
  floats(part: string, dims: readonly number[], data: Float32Array): string;
  /**
   * Lowers the node through its op's `expand()`, each part by the core table, the parts' weights read
   * under the composite's names (for composites without a native lowering).
   */
  expand(): Value;
  /** Throws an {@link OnnxExportError} naming this node. */
  fail(code: OnnxExportErrorCode, message: string, hint?: string): never;
}

/** Lowers one node to ONNX nodes appended to the builder; returns the tensor holding the node's output. */
export type Lowering<K extends OpKind> = (node: GraphNodeOf<K>, ctx: LowerContext) => Value;

/** Input `i` as it is (any layout); the op's arity guarantees it exists. */
export function inputAt(ctx: LowerContext, i: number): Value {
  const v = ctx.inputs[i];
  if (!v) throw new Error(`internal: node "${ctx.nodeId}" has no input ${i + 1}`);
  return v;
}

/** The ONNX axis of example axis `axis` (negative counts from the end) of a rank-`rank` example in `layout`. */
export function onnxAxis(axis: number, rank: number, layout: Layout): number {
  const a = axis < 0 ? axis + rank : axis;
  if (layout === "nchw" && rank === 3) return [2, 3, 1][a] ?? a + 1;
  return a + 1;
}

/** The layout n inputs of one elementwise op meet in: channels-first as soon as one image input is. */
export function commonLayout(ctx: LowerContext): Layout {
  const image = ctx.inputShapes.every((s) => s.length === 3);
  return image && ctx.inputs.some((v) => v.layout === "nchw") ? "nchw" : "nhwc";
}

/** Every input in the layout they meet in, with that layout. */
export function alignedInputs(ctx: LowerContext): { names: string[]; layout: Layout } {
  const layout = commonLayout(ctx);
  return { names: ctx.inputs.map((_, i) => ctx.input(i, layout).name), layout };
}

/** Transposes a row-major 4-D tensor of `shape` by `perm` (output axis k is input axis perm[k]). */
export function transposeData(
  data: Float32Array,
  shape: readonly number[],
  perm: readonly [number, number, number, number],
): Float32Array {
  const [d0 = 1, d1 = 1, d2 = 1, d3 = 1] = shape;
  const strides = [d1 * d2 * d3, d2 * d3, d3, 1];
  const dims = [d0, d1, d2, d3];
  const [p0, p1, p2, p3] = perm;
  const [n0 = 1, n1 = 1, n2 = 1, n3 = 1] = [dims[p0], dims[p1], dims[p2], dims[p3]];
  const [s0 = 0, s1 = 0, s2 = 0, s3 = 0] = [strides[p0], strides[p1], strides[p2], strides[p3]];
  const out = new Float32Array(data.length);
  let o = 0;
  for (let a = 0; a < n0; a++)
    for (let b = 0; b < n1; b++)
      for (let c = 0; c < n2; c++) {
        const base = a * s0 + b * s1 + c * s2;
        for (let d = 0; d < n3; d++) out[o++] = data[base + d * s3] ?? 0;
      }
  return out;
}
