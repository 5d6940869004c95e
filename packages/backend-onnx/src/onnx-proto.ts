import { ProtoWriter } from "./protobuf.js";

/**
 * The subset of onnx.proto (IR version 8) the exporter writes, as plain data, and its encoder. Field
 * numbers are those of onnx/onnx.proto (checked against python's onnx 1.12 descriptors in the tests).
 */

/** TensorProto.DataType values used here. */
export const DataType = { FLOAT: 1, INT64: 7 } as const;
export type DataTypeCode = (typeof DataType)[keyof typeof DataType];

/** A constant tensor: initializer or Constant value. Floats are stored as raw little-endian bytes. */
export interface TensorProto {
  name: string;
  dims: readonly number[];
  dataType: DataTypeCode;
  /** FLOAT tensors. */
  floats?: Float32Array;
  /** INT64 tensors (exact integers). */
  int64s?: readonly number[];
  docString?: string;
}

export type AttributeValue =
  | { kind: "int"; value: number }
  | { kind: "ints"; value: readonly number[] }
  | { kind: "float"; value: number }
  | { kind: "string"; value: string }
  | { kind: "strings"; value: readonly string[] };

export interface NodeProto {
  opType: string;
  name: string;
  inputs: readonly string[];
  outputs: readonly string[];
  attributes?: Readonly<Record<string, AttributeValue>>;
  docString?: string;
}

/** One dimension: a fixed size or a symbolic name (the batch, "N"). */
export type Dim = number | string;

export interface ValueInfoProto {
  name: string;
  elemType: DataTypeCode;
  shape: readonly Dim[];
  docString?: string;
}

export interface GraphProto {
  name: string;
  nodes: readonly NodeProto[];
  initializers: readonly TensorProto[];
  inputs: readonly ValueInfoProto[];
  outputs: readonly ValueInfoProto[];
  docString?: string;
}

export interface ModelProto {
  irVersion: number;
  opset: number;
  producerName: string;
  producerVersion: string;
  docString?: string;
  graph: GraphProto;
  metadata?: Readonly<Record<string, string>>;
}

/** AttributeProto.AttributeType. */
const AttributeType = { FLOAT: 1, INT: 2, STRING: 3, FLOATS: 6, INTS: 7, STRINGS: 8 } as const;
const utf8 = new TextEncoder();

const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** raw_data of a float tensor: a view of the array's own bytes on little-endian hosts, else a swapped copy. */
function littleEndianFloats(data: Float32Array): Uint8Array {
  if (LITTLE_ENDIAN_HOST) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const out = new Uint8Array(data.length * 4);
  const view = new DataView(out.buffer);
  for (let i = 0; i < data.length; i++) view.setFloat32(i * 4, data[i] ?? 0, true);
  return out;
}

function littleEndianInt64s(values: readonly number[]): Uint8Array {
  const out = new Uint8Array(values.length * 8);
  const view = new DataView(out.buffer);
  values.forEach((v, i) => {
    view.setBigInt64(i * 8, BigInt(v), true);
  });
  return out;
}

function tensorMessage(t: TensorProto): ProtoWriter {
  const w = new ProtoWriter().ints(1, t.dims).int(2, t.dataType).string(8, t.name);
  // raw_data is little endian by the spec, whatever the host's byte order.
  if (t.dataType === DataType.FLOAT) w.bytes(9, littleEndianFloats(t.floats ?? new Float32Array(0)));
  else w.bytes(9, littleEndianInt64s(t.int64s ?? []));
  return w.optString(12, t.docString);
}

function attributeMessage(name: string, a: AttributeValue): ProtoWriter {
  const w = new ProtoWriter().string(1, name);
  switch (a.kind) {
    case "int":
      return w.int(3, a.value).int(20, AttributeType.INT);
    case "ints":
      return w.ints(8, a.value).int(20, AttributeType.INTS);
    case "float":
      return w.float(2, a.value).int(20, AttributeType.FLOAT);
    case "string":
      return w.bytes(4, utf8.encode(a.value)).int(20, AttributeType.STRING);
    case "strings":
      for (const s of a.value) w.bytes(9, utf8.encode(s));
      return w.int(20, AttributeType.STRINGS);
  }
}

function nodeMessage(n: NodeProto): ProtoWriter {
  const w = new ProtoWriter();
  for (const i of n.inputs) w.string(1, i);
  for (const o of n.outputs) w.string(2, o);
  w.string(3, n.name).string(4, n.opType);
  for (const [name, a] of Object.entries(n.attributes ?? {})) w.message(5, attributeMessage(name, a));
  return w.optString(6, n.docString);
}

function valueInfoMessage(v: ValueInfoProto): ProtoWriter {
  const shape = new ProtoWriter();
  for (const d of v.shape) {
    const dim = typeof d === "number" ? new ProtoWriter().int(1, d) : new ProtoWriter().string(2, d);
    shape.message(1, dim);
  }
  const tensorType = new ProtoWriter().int(1, v.elemType).message(2, shape);
  const type = new ProtoWriter().message(1, tensorType);
  return new ProtoWriter().string(1, v.name).message(2, type).optString(3, v.docString);
}

function graphMessage(g: GraphProto): ProtoWriter {
  const w = new ProtoWriter();
  for (const n of g.nodes) w.message(1, nodeMessage(n));
  w.string(2, g.name);
  for (const t of g.initializers) w.message(5, tensorMessage(t));
  w.optString(10, g.docString);
  for (const i of g.inputs) w.message(11, valueInfoMessage(i));
  for (const o of g.outputs) w.message(12, valueInfoMessage(o));
  return w;
}

/** Serialises a ModelProto with one opset import (the default ONNX domain). */
export function encodeModel(m: ModelProto): Uint8Array {
  const opset = new ProtoWriter().string(1, "").int(2, m.opset);
  const w = new ProtoWriter()
    .int(1, m.irVersion)
    .string(2, m.producerName)
    .string(3, m.producerVersion)
    .optString(6, m.docString)
    .message(7, graphMessage(m.graph))
    .message(8, opset);
  for (const [key, value] of Object.entries(m.metadata ?? {})) {
    w.message(14, new ProtoWriter().string(1, key).string(2, value));
  }
  return w.finish();
}
