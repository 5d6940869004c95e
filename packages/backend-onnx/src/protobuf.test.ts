import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadGraph, type SpecDocumentInput } from "@fusegraph/dsl";
import { afterAll, describe, expect, it } from "vitest";
import { seededWeights } from "./__fixtures__/models.js";
import { pythonModule, runPython } from "./__fixtures__/python.js";
import { exportOnnx, onnxModel } from "./export.js";
import { ProtoWriter } from "./protobuf.js";

describe("ProtoWriter: the wire format, byte for byte", () => {
  it("varints: 1, 150 (the protobuf docs' example), 300, 2^35 and -1 (ten bytes, two's complement)", () => {
    expect([...new ProtoWriter().int(1, 1).finish()]).toEqual([0x08, 0x01]);
    expect([...new ProtoWriter().int(1, 150).finish()]).toEqual([0x08, 0x96, 0x01]);
    expect([...new ProtoWriter().int(2, 300).finish()]).toEqual([0x10, 0xac, 0x02]);
    expect([...new ProtoWriter().int(1, 2 ** 35).finish()]).toEqual([
      0x08, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01,
    ]);
    expect([...new ProtoWriter().int(1, -1).finish()]).toEqual([0x08, ...Array(9).fill(0xff), 0x01]);
  });

  it("strings, floats and repeated ints", () => {
    expect([...new ProtoWriter().string(2, "testing").finish()]).toEqual([
      0x12, 0x07, 0x74, 0x65, 0x73, 0x74, 0x69, 0x6e, 0x67,
    ]);
    expect([...new ProtoWriter().float(2, 1).finish()]).toEqual([0x15, 0x00, 0x00, 0x80, 0x3f]);
    expect([...new ProtoWriter().ints(1, [3, 270]).finish()]).toEqual([0x08, 0x03, 0x08, 0x8e, 0x02]);
    expect(() => new ProtoWriter().int(1, 0.5)).toThrow(RangeError);
  });

  it("grows its buffer past the initial size", () => {
    const big = new Uint8Array(1000).map((_, i) => i % 251);
    const out = new ProtoWriter().bytes(1, big).finish();
    expect(out.length).toBe(1000 + 3);
    expect([...out.subarray(3)]).toEqual([...big]);
  });
});

const onnx = pythonModule("onnx");
const dir = mkdtempSync(join(tmpdir(), "fusegraph-onnx-proto-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Reads a model back with python's onnx and reports what an independent decoder sees. */
const DECODE = `
import json, sys, onnx, numpy
from onnx import numpy_helper
m = onnx.load(sys.argv[1])
g = m.graph
def dims(v):
    return [d.dim_param if d.HasField("dim_param") else d.dim_value for d in v.type.tensor_type.shape.dim]
def attr(a):
    v = onnx.helper.get_attribute_value(a)
    return v.decode() if isinstance(v, bytes) else v
print(json.dumps({
  "ir_version": m.ir_version,
  "opset": [[o.domain, o.version] for o in m.opset_import],
  "producer": m.producer_name,
  "metadata": {p.key: p.value for p in m.metadata_props},
  "graph": g.name,
  "inputs": [[i.name, dims(i)] for i in g.input],
  "outputs": [[o.name, dims(o)] for o in g.output],
  "nodes": [[n.name, n.op_type, list(n.input), list(n.output), {a.name: attr(a) for a in n.attribute}] for n in g.node],
  "initializers": {t.name: {"dims": list(t.dims), "type": t.data_type, "values": numpy_helper.to_array(t).flatten().tolist()} for t in g.initializer},
}))
`;

const spec: SpecDocumentInput = {
  fusegraph: 1,
  name: "proto-check",
  inputs: { image: [6, 5, 2] },
  nodes: {
    "stem/conv": {
      op: "conv2d",
      input: "image",
      filters: 3,
      kernelSize: [3, 2],
      padding: [1, 0, 2, 1],
      strides: 2,
    },
    pad: { op: "zeroPad", input: "stem/conv", padding: [1, 2, 3, 4] },
    flat: { op: "flatten", input: "pad" },
    logits: { op: "dense", input: "flat", units: 4 },
  },
  outputs: ["logits"],
};

describe.skipIf(!onnx.ok && !process.env.CI)(
  `python's onnx decodes what the encoder wrote${onnx.ok ? "" : ` (skipped: ${onnx.reason})`}`,
  () => {
    it("names, shapes, attributes and initializer values round-trip", () => {
      if (!onnx.ok) throw new Error(`CI needs python's onnx: ${onnx.reason}`);
      const graph = loadGraph(spec);
      const weights = seededWeights(graph, 3);
      const path = join(dir, "model.onnx");
      writeFileSync(path, exportOnnx(graph, { weights }));
      const seen = JSON.parse(runPython(DECODE, [path])) as {
        ir_version: number;
        opset: [string, number][];
        producer: string;
        metadata: Record<string, string>;
        graph: string;
        inputs: [string, (string | number)[]][];
        outputs: [string, (string | number)[]][];
        nodes: [string, string, string[], string[], Record<string, unknown>][];
        initializers: Record<string, { dims: number[]; type: number; values: number[] }>;
      };
      const model = onnxModel(graph, { weights });
      expect(seen.ir_version).toBe(8);
      expect(seen.opset).toEqual([["", 17]]);
      expect(seen.producer).toBe("fusegraph");
      expect(seen.metadata).toEqual({ "fusegraph.layout": "NHWC" });
      expect(seen.graph).toBe("proto-check");
      expect(seen.inputs).toEqual([["image", ["N", 6, 5, 2]]]);
      expect(seen.outputs).toEqual([["logits", ["N", 4]]]);
      // Every node as the encoder was given it, attributes included (ints, strings).
      expect(seen.nodes.map(([name, op, inputs, outputs]) => [name, op, inputs, outputs])).toEqual(
        model.graph.nodes.map((n) => [n.name, n.opType, [...n.inputs], [...n.outputs]]),
      );
      const conv = seen.nodes.find(([name]) => name === "stem/conv");
      expect(conv?.[4]).toEqual({
        kernel_shape: [3, 2],
        strides: [2, 2],
        dilations: [1, 1],
        pads: [1, 2, 0, 1],
        group: 1,
      });
      expect(seen.nodes.find(([name]) => name === "pad")?.[4]).toEqual({ mode: "constant" });
      // Initializers: the dense kernel and conv bias untouched, the conv kernel transposed HWIO -> OIHW.
      const dense = weights.get("logits/kernel");
      expect(seen.initializers["logits/kernel"]?.dims).toEqual(dense?.shape);
      expect(seen.initializers["logits/kernel"]?.values).toEqual(Array.from(dense?.data ?? []));
      expect(seen.initializers["stem/conv/bias"]?.values).toEqual(
        Array.from(weights.get("stem/conv/bias")?.data ?? []),
      );
      const k = weights.get("stem/conv/kernel");
      const oihw = seen.initializers["stem/conv/kernel:OIHW"];
      expect(oihw?.dims).toEqual([3, 2, 3, 2]);
      // OIHW[o][i][y][x] = HWIO[y][x][i][o], with HWIO [3, 2, 2, 3].
      const at = (o: number, i: number, y: number, x: number) => k?.data[((y * 2 + x) * 2 + i) * 3 + o];
      for (const [o, i, y, x] of [
        [0, 0, 0, 0],
        [2, 1, 2, 1],
        [1, 0, 2, 0],
        [0, 1, 1, 1],
      ] as const)
        expect(oihw?.values[((o * 2 + i) * 3 + y) * 2 + x], `${o}${i}${y}${x}`).toBe(at(o, i, y, x));
      expect(seen.initializers["pad/pads"]).toEqual({ dims: [8], type: 7, values: [0, 0, 1, 3, 0, 0, 2, 4] });
    });
  },
);
