import { type AttributeValue, DataType, type NodeProto, type TensorProto } from "./onnx-proto.js";

/**
 * Where a tensor's channels are. fusegraph's API is batch-first channels-last, ONNX's convolutions and
 * pools are channels-first, so image tensors ([N,H,W,C] at the API) live as [N,C,H,W] inside the graph
 * and every other rank keeps fusegraph's order (`nhwc` meaning "as fusegraph lays it out").
 */
export type Layout = "nchw" | "nhwc";

/** A tensor of the ONNX graph: its name, and its layout when its example rank is 3. */
export interface Value {
  readonly name: string;
  readonly layout: Layout;
}

export type Attributes = Readonly<Record<string, AttributeValue>>;

/** Attribute shorthands. */
export const attr = {
  int: (value: number): AttributeValue => ({ kind: "int", value }),
  ints: (value: readonly number[]): AttributeValue => ({ kind: "ints", value }),
  float: (value: number): AttributeValue => ({ kind: "float", value }),
  string: (value: string): AttributeValue => ({ kind: "string", value }),
};

const TO_NCHW = [0, 3, 1, 2];
const TO_NHWC = [0, 2, 3, 1];

/** Accumulates an ONNX graph: nodes in topological order, initializers (deduplicated by name), unique names. */
export class GraphBuilder {
  readonly nodes: NodeProto[] = [];
  readonly initializers: TensorProto[] = [];
  private readonly names = new Set<string>();
  private readonly initializerNames = new Set<string>();
  /** Layout conversions already made, so a tensor read by many consumers is transposed once. */
  private readonly converted = new Map<string, string>();

  /** Reserves `base` (or `base_1`, `base_2`, … if taken) as a tensor or node name. */
  fresh(base: string): string {
    let name = base;
    for (let k = 1; this.names.has(name); k++) name = `${base}_${k}`;
    this.names.add(name);
    return name;
  }

  /** Marks a name as taken (graph inputs, output names reserved up front). */
  reserve(name: string): void {
    this.names.add(name);
  }

  /** Appends a node; its name and outputs must already be reserved (see {@link fresh}). */
  node(
    opType: string,
    name: string,
    inputs: readonly string[],
    outputs: readonly string[],
    attributes?: Attributes,
  ): void {
    this.nodes.push({ opType, name, inputs, outputs, ...(attributes ? { attributes } : {}) });
  }

  /** A float initializer; the same name twice (a shared weight read by two nodes) is stored once. */
  floats(name: string, dims: readonly number[], data: Float32Array): string {
    if (!this.initializerNames.has(name)) {
      this.initializerNames.add(name);
      this.names.add(name);
      this.initializers.push({ name, dims, dataType: DataType.FLOAT, floats: data });
    }
    return name;
  }

  /** A fresh int64 initializer (shapes, axes, pads, indices); `dims` [] makes a scalar. */
  int64s(base: string, values: readonly number[], dims: readonly number[] = [values.length]): string {
    const name = this.fresh(base);
    this.initializerNames.add(name);
    this.initializers.push({ name, dims, dataType: DataType.INT64, int64s: values });
    return name;
  }

  /** `value` in `layout`, through one Transpose per tensor (cached). Only for rank-4 tensors. */
  toLayout(value: Value, layout: Layout): Value {
    if (value.layout === layout) return value;
    const key = `${value.name}\u0000${layout}`;
    let name = this.converted.get(key);
    if (name === undefined) {
      const base = value.name.replace(/\/nchw$/, "");
      name = this.fresh(layout === "nchw" ? `${base}/nchw` : `${base}/nhwc`);
      const node = this.fresh(layout === "nchw" ? `${base}/to_nchw` : `${base}/to_nhwc`);
      this.node("Transpose", node, [value.name], [name], {
        perm: attr.ints(layout === "nchw" ? TO_NCHW : TO_NHWC),
      });
      this.converted.set(key, name);
    }
    return { name, layout };
  }
}
