import {
  formatShape,
  type Graph,
  type GraphNode,
  liveNodeIds,
  numel,
  type OpKind,
  opDef,
  type Shape,
  sameShape,
  type WeightMap,
  weightKey,
} from "@fusegraph/dsl";
import { OnnxExportError } from "./errors.js";
import { attr, GraphBuilder, type Layout, type Value } from "./graph-builder.js";
import type { LowerContext, Lowering } from "./lowering.js";
import { lowerings } from "./lowerings.js";
import { DataType, encodeModel, type ModelProto, type ValueInfoProto } from "./onnx-proto.js";

/** The opset written by default, and the ones the exporter can write (IR version 8, or 9 from opset 19). */
export const DEFAULT_OPSET = 17;
export const SUPPORTED_OPSETS: readonly number[] = [17, 18, 19];
/** The name of the batch dimension of every graph input and output. */
export const BATCH_DIM = "N";

export interface ExportOnnxOptions {
  /** The graph's weights (see `initWeights` / `loadWeights`); stored as float32 initializers. */
  weights: WeightMap;
  /** ONNX opset of the default domain: 17 (default), 18 or 19. */
  opset?: number;
}

/**
 * Serialises `graph` with its weights as an ONNX ModelProto. Inputs and outputs keep fusegraph's
 * batch-first channels-last layout and names (batch dimension "N"); inside, image tensors are
 * channels-first, with Transposes at the edges. ONNX node names are the graph's node ids.
 * Throws {@link OnnxExportError}.
 */
export function exportOnnx(graph: Graph, options: ExportOnnxOptions): Uint8Array {
  return encodeModel(onnxModel(graph, options));
}

/** The ModelProto `exportOnnx` serialises, as plain data (for inspection and tests). */
export function onnxModel(graph: Graph, options: ExportOnnxOptions): ModelProto {
  const opset = options.opset ?? DEFAULT_OPSET;
  if (!SUPPORTED_OPSETS.includes(opset)) {
    throw new OnnxExportError(
      "unsupported_opset",
      undefined,
      `opset ${opset} is not supported (the exporter writes opsets ${SUPPORTED_OPSETS.join(", ")})`,
      `leave opset out for ${DEFAULT_OPSET}, or pick one of ${SUPPORTED_OPSETS.join(", ")}`,
    );
  }
  const exporter = new Exporter(graph, options.weights, opset);
  return {
    irVersion: opset >= 19 ? 9 : 8,
    opset,
    producerName: "fusegraph",
    producerVersion: "",
    docString: `fusegraph spec "${graph.name}". Inputs and outputs are batch-first and channels-last (NHWC), as in fusegraph's API; image tensors are channels-first (NCHW) inside, between Transposes.`,
    graph: exporter.build(),
    metadata: { "fusegraph.layout": "NHWC" },
  };
}

/** Looks up a node's weight name in the weight map (its own id, the id it shares weights with, or a composite's). */
type WeightResolver = (name: string) => string;

class Exporter {
  private readonly builder = new GraphBuilder();
  private readonly values = new Map<string, Value>();
  private readonly shapes = new Map<string, Shape>();
  private readonly outputIds: ReadonlySet<string>;

  constructor(
    private readonly graph: Graph,
    private readonly weights: WeightMap,
    private readonly opset: number,
  ) {
    this.outputIds = new Set(graph.outputs);
  }

  build() {
    const { graph, builder } = this;
    for (const input of graph.inputs) {
      builder.reserve(input.id);
      this.values.set(input.id, { name: input.id, layout: "nhwc" });
      this.shapes.set(input.id, input.shape);
    }
    for (const id of this.outputIds) {
      if (graph.inputs.some((i) => i.id === id)) {
        throw new OnnxExportError(
          "output_is_input",
          id,
          "is both a graph input and a graph output; ONNX needs different names for the two",
          `add a node that reads "${id}" (e.g. { op: dropout, rate: 0 }) and list that node as the output`,
        );
      }
      builder.reserve(id);
    }
    const live = liveNodeIds(graph);
    for (const node of graph.nodes) {
      if (!live.has(node.id)) continue;
      const owner = node.shareWeights ?? node.id;
      this.lower(node, (name) => weightKey(owner, name));
    }
    const outputs: ValueInfoProto[] = [];
    for (const id of this.outputIds) {
      const v = this.values.get(id);
      // NOTE: a validated graph's outputs are live nodes or inputs, all lowered above.
      if (!v) throw new Error(`internal: output "${id}" was not exported`);
      if (v.name !== id) {
        const name = builder.fresh(`${id}/to_nhwc`);
        if (v.layout === "nchw")
          builder.node("Transpose", name, [v.name], [id], { perm: attr.ints([0, 2, 3, 1]) });
        else builder.node("Identity", name, [v.name], [id]);
      }
      outputs.push(valueInfo(id, this.shapes.get(id) ?? []));
    }
    return {
      name: graph.name,
      nodes: builder.nodes,
      initializers: builder.initializers,
      inputs: graph.inputs.map((i) => valueInfo(i.id, i.shape)),
      outputs,
    };
  }

  private lower(node: GraphNode, resolve: WeightResolver): void {
    const lowering = lowerings[node.kind] as Lowering<OpKind>;
    const value = lowering(node, this.context(node, resolve));
    this.values.set(node.id, value);
    this.shapes.set(node.id, node.shape);
  }

  private context(node: GraphNode, resolve: WeightResolver): LowerContext {
    const { builder, graph, opset } = this;
    const id = node.id;
    const fail = (code: OnnxExportError["code"], message: string, hint?: string): never => {
      throw new OnnxExportError(code, id, `(${node.kind}) ${message}`, hint);
    };
    // NOTE: nodes come in topological order, so every input has been lowered.
    const inputs = node.inputs.map((i) => {
      const v = this.values.get(i);
      if (!v) throw new Error(`internal: input "${i}" of node "${id}" was not exported`);
      return v;
    });
    const inputShapes = node.inputs.map((i) => this.shapes.get(i) ?? []);
    const def = opDef(node.kind);
    const ctx: LowerContext = {
      graph,
      nodeId: id,
      opset,
      builder,
      inputs,
      inputShapes,
      input(i, layout: Layout) {
        const v = inputs[i];
        if (!v) throw new Error(`internal: node "${id}" has no input ${i + 1}`);
        return (inputShapes[i] ?? []).length === 3 ? builder.toLayout(v, layout) : v;
      },
      weight: (name) => {
        const key = resolve(name);
        const w = this.weights.get(key);
        if (!w) {
          return fail(
            "missing_weight",
            `weight "${key}" is missing from the weight map`,
            "initialise the weights with initWeights(graph, { seed }) or load them with loadWeights(dir)",
          );
        }
        if (!(w.data instanceof Float32Array))
          return fail("weight_dtype", `weight "${key}" must be a Float32Array`);
        const spec = def
          .weights({ inputs: inputShapes, params: node.params, output: node.shape })
          .find((s) => s.name === name);
        if (spec && (!sameShape(w.shape, spec.shape) || w.data.length !== numel(spec.shape))) {
          return fail(
            "weight_shape",
            `weight "${key}" has shape ${formatShape(w.shape)} (${w.data.length} values), expected ${formatShape(spec.shape)}`,
            "the weights belong to another spec or another config of it; re-initialise them for this graph",
          );
        }
        return { key, shape: w.shape, data: w.data };
      },
      aux(opType, part, auxInputs, attributes) {
        const name = builder.fresh(`${id}/${part}`);
        builder.node(opType, name, auxInputs, [name], attributes);
        return name;
      },
      emit: (opType, emitInputs, layout, attributes) => {
        const isOutput = this.outputIds.has(id);
        const out = isOutput && layout === "nhwc" ? id : builder.fresh(isOutput ? `${id}/nchw` : id);
        builder.node(opType, id, emitInputs, [out], attributes);
        return { name: out, layout };
      },
      ints: (part, values, dims) => builder.int64s(`${id}/${part}`, values, dims),
      floats: (part, dims, data) => builder.floats(builder.fresh(`${id}/${part}`), dims, data),
      expand: () => this.expand(node, resolve, inputShapes),
      fail,
    };
    return ctx;
  }

  /** Lowers a composite part by part through its op's `expand()`. */
  private expand(node: GraphNode, resolve: WeightResolver, inputShapes: readonly Shape[]): Value {
    const def = opDef(node.kind);
    const fail = (message: string): never => {
      throw new OnnxExportError("expansion_failed", node.id, `(${node.kind}) ${message}`);
    };
    if (!def.expand) return fail("has no native lowering and no expand()");
    const expansion = def.expand(node, node.params, inputShapes);
    const fromComposite = new Map<string, string>();
    for (const [name, target] of Object.entries(expansion.weights)) fromComposite.set(target, resolve(name));
    for (const part of expansion.nodes) {
      const partDef = opDef(part.kind);
      const params = partDef.params.parse(part.params);
      const problems: string[] = [];
      const shape = partDef.inferShape(
        part.inputs.map((i) => this.shapes.get(i) ?? []),
        params,
        { nodeId: part.id, inputIds: part.inputs, issue: (_code, message) => problems.push(message) },
      );
      if (!shape) fail(`expanded part "${part.id}" failed shape inference: ${problems.join("; ")}`);
      const partNode = {
        id: part.id,
        kind: part.kind,
        inputs: part.inputs,
        params,
        shape,
        path: node.path,
      } as GraphNode;
      this.lower(partNode, (name) => {
        const own = weightKey(part.id, name);
        return fromComposite.get(own) ?? own;
      });
    }
    return this.values.get(node.id) ?? fail("the expansion did not produce the node's output");
  }
}

function valueInfo(name: string, shape: Shape): ValueInfoProto {
  return { name, elemType: DataType.FLOAT, shape: [BATCH_DIM, ...shape] };
}
