import {
  fieldFloat,
  fieldString,
  ProtobufError,
  readFields,
  repeatedDoubles,
  repeatedFloats,
  repeatedInts,
  type WireField,
} from "./protobuf.js";

/**
 * ONNX's protobuf messages as plain data, decoded by hand from onnx.proto's field numbers (onnx
 * v1.19). Only what the single-operator conformance cases use: the graph, its one node's attributes,
 * value-info shapes, initializers and TensorProto payloads.
 */

/** TensorProto.DataType values this decoder reads. */
export const DataType = {
  float: 1,
  uint8: 2,
  int8: 3,
  int32: 6,
  int64: 7,
  bool: 9,
  double: 11,
} as const;

export interface OnnxTensor {
  name: string;
  dims: number[];
  dataType: number;
  /** Every element as a number (exact for float32, double and int64 below 2^53), row-major. */
  values: Float64Array;
}

export type OnnxAttribute =
  | { type: "float"; value: number }
  | { type: "int"; value: number }
  | { type: "string"; value: string }
  | { type: "tensor"; value: OnnxTensor }
  | { type: "floats"; value: number[] }
  | { type: "ints"; value: number[] }
  | { type: "strings"; value: string[] }
  | { type: "tensors"; value: OnnxTensor[] }
  /** Graphs and sparse tensors: recorded by name so a mapping can refuse them, never decoded. */
  | { type: "unsupported"; value: number };

export interface OnnxNode {
  name: string;
  opType: string;
  domain: string;
  /** Input names in order; an empty string marks an omitted optional input. */
  inputs: string[];
  outputs: string[];
  attributes: Map<string, OnnxAttribute>;
}

export interface OnnxValueInfo {
  name: string;
  elemType: number;
  /** Fixed sizes as numbers, symbolic ones as their names. */
  dims: (number | string)[];
}

export interface OnnxGraph {
  name: string;
  nodes: OnnxNode[];
  initializers: OnnxTensor[];
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
}

export interface OnnxModel {
  irVersion: number;
  producer: string;
  opsets: { domain: string; version: number }[];
  graph: OnnxGraph;
}

function decodeRaw(raw: Uint8Array, dataType: number, count: number): Float64Array {
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const out = new Float64Array(count);
  const width: Record<number, number> = { 1: 4, 2: 1, 3: 1, 6: 4, 7: 8, 9: 1, 11: 8 };
  const w = width[dataType];
  if (w === undefined) throw new ProtobufError(`tensor data_type ${dataType} is not supported`);
  if (raw.byteLength !== w * count) {
    throw new ProtobufError(
      `raw_data holds ${raw.byteLength} bytes, expected ${w * count} for ${count} elements`,
    );
  }
  for (let i = 0; i < count; i++) {
    const o = i * w;
    switch (dataType) {
      case DataType.float:
        out[i] = view.getFloat32(o, true);
        break;
      case DataType.double:
        out[i] = view.getFloat64(o, true);
        break;
      case DataType.int64:
        out[i] = Number(view.getBigInt64(o, true));
        break;
      case DataType.int32:
        out[i] = view.getInt32(o, true);
        break;
      case DataType.int8:
        out[i] = view.getInt8(o);
        break;
      default:
        out[i] = view.getUint8(o);
    }
  }
  return out;
}

/** Decodes a TensorProto (the `.pb` files and initializers): dims, data_type and its one payload. */
export function decodeTensor(buf: Uint8Array): OnnxTensor {
  const dims: number[] = [];
  let dataType = 0;
  let name = "";
  let raw: Uint8Array | undefined;
  const typed: number[] = [];
  for (const f of readFields(buf)) {
    switch (f.field) {
      case 1:
        dims.push(...repeatedInts(f));
        break;
      case 2:
        dataType = Number(f.int);
        break;
      case 4: // float_data
        typed.push(...repeatedFloats(f));
        break;
      case 5: // int32_data (also carries int8/uint8/bool/int32)
      case 7: // int64_data
        typed.push(...repeatedInts(f));
        break;
      case 8:
        name = fieldString(f);
        break;
      case 9:
        raw = f.bytes;
        break;
      case 10: // double_data
        typed.push(...repeatedDoubles(f));
        break;
      case 14:
        if (Number(f.int) === 1)
          throw new ProtobufError(`tensor "${name}" keeps its data in an external file`);
        break;
    }
  }
  const count = dims.reduce((a, b) => a * b, 1);
  const values = raw !== undefined ? decodeRaw(raw, dataType, count) : Float64Array.from(typed);
  if (values.length !== count) {
    throw new ProtobufError(`tensor "${name}" has ${values.length} values for dims [${dims.join(",")}]`);
  }
  return { name, dims, dataType, values };
}

function decodeAttribute(buf: Uint8Array): [string, OnnxAttribute] {
  let name = "";
  let type = 0;
  const byField = new Map<number, WireField[]>();
  for (const f of readFields(buf)) {
    if (f.field === 1) name = fieldString(f);
    else if (f.field === 20) type = Number(f.int);
    else byField.set(f.field, [...(byField.get(f.field) ?? []), f]);
  }
  const all = (n: number): WireField[] => byField.get(n) ?? [];
  const one = (n: number): WireField | undefined => all(n)[0];
  // AttributeProto.AttributeType: FLOAT=1 INT=2 STRING=3 TENSOR=4 FLOATS=6 INTS=7 STRINGS=8 TENSORS=9.
  const f = one(2);
  const i = one(3);
  const s = one(4);
  const t = one(5);
  switch (type) {
    case 1:
      return [name, { type: "float", value: f ? fieldFloat(f) : 0 }];
    case 2:
      return [name, { type: "int", value: i ? Number(i.int) : 0 }];
    case 3:
      return [name, { type: "string", value: s ? fieldString(s) : "" }];
    case 4:
      if (!t) throw new ProtobufError(`attribute "${name}" of type TENSOR has no tensor`);
      return [name, { type: "tensor", value: decodeTensor(t.bytes) }];
    case 6:
      return [name, { type: "floats", value: all(7).flatMap(repeatedFloats) }];
    case 7:
      return [name, { type: "ints", value: all(8).flatMap(repeatedInts) }];
    case 8:
      return [name, { type: "strings", value: all(9).map(fieldString) }];
    case 9:
      return [name, { type: "tensors", value: all(10).map((x) => decodeTensor(x.bytes)) }];
    default:
      return [name, { type: "unsupported", value: type }];
  }
}

function decodeNode(buf: Uint8Array): OnnxNode {
  const node: OnnxNode = { name: "", opType: "", domain: "", inputs: [], outputs: [], attributes: new Map() };
  for (const f of readFields(buf)) {
    if (f.field === 1) node.inputs.push(fieldString(f));
    else if (f.field === 2) node.outputs.push(fieldString(f));
    else if (f.field === 3) node.name = fieldString(f);
    else if (f.field === 4) node.opType = fieldString(f);
    else if (f.field === 5) {
      const [k, v] = decodeAttribute(f.bytes);
      node.attributes.set(k, v);
    } else if (f.field === 7) node.domain = fieldString(f);
  }
  return node;
}

/** ValueInfoProto -> TypeProto.tensor_type -> TensorShapeProto.dim (dim_value | dim_param). */
function decodeValueInfo(buf: Uint8Array): OnnxValueInfo {
  const info: OnnxValueInfo = { name: "", elemType: 0, dims: [] };
  for (const f of readFields(buf)) {
    if (f.field === 1) info.name = fieldString(f);
    if (f.field !== 2) continue;
    for (const tf of readFields(f.bytes)) {
      if (tf.field !== 1) continue; // tensor_type
      for (const tt of readFields(tf.bytes)) {
        if (tt.field === 1) info.elemType = Number(tt.int);
        if (tt.field !== 2) continue;
        for (const dim of readFields(tt.bytes)) {
          if (dim.field !== 1) continue;
          let d: number | string = "?";
          for (const dv of readFields(dim.bytes)) {
            if (dv.field === 1) d = Number(dv.int);
            else if (dv.field === 2) d = fieldString(dv);
          }
          info.dims.push(d);
        }
      }
    }
  }
  return info;
}

function decodeGraph(buf: Uint8Array): OnnxGraph {
  const g: OnnxGraph = { name: "", nodes: [], initializers: [], inputs: [], outputs: [] };
  for (const f of readFields(buf)) {
    if (f.field === 1) g.nodes.push(decodeNode(f.bytes));
    else if (f.field === 2) g.name = fieldString(f);
    else if (f.field === 5) g.initializers.push(decodeTensor(f.bytes));
    else if (f.field === 11) g.inputs.push(decodeValueInfo(f.bytes));
    else if (f.field === 12) g.outputs.push(decodeValueInfo(f.bytes));
  }
  return g;
}

/** Decodes a ModelProto (`model.onnx`). */
export function decodeModel(buf: Uint8Array): OnnxModel {
  let irVersion = 0;
  let producer = "";
  let graph: OnnxGraph | undefined;
  const opsets: OnnxModel["opsets"] = [];
  for (const f of readFields(buf)) {
    if (f.field === 1) irVersion = Number(f.int);
    else if (f.field === 2) producer = fieldString(f);
    else if (f.field === 7) graph = decodeGraph(f.bytes);
    else if (f.field === 8) {
      const op = { domain: "", version: 0 };
      for (const o of readFields(f.bytes)) {
        if (o.field === 1) op.domain = fieldString(o);
        else if (o.field === 2) op.version = Number(o.int);
      }
      opsets.push(op);
    }
  }
  if (!graph) throw new ProtobufError("model has no graph");
  return { irVersion, producer, opsets, graph };
}
