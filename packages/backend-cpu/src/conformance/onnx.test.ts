import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DataType, decodeModel, decodeTensor } from "./onnx.js";
import { ProtobufError } from "./protobuf.js";
import { resolveSuiteDir } from "./suite-dir.js";

const suite = resolveSuiteDir();
const present = suite !== undefined && existsSync(suite);
const file = (...p: string[]) => readFileSync(join(suite as string, ...p));

describe("TensorProto decoding (hand-built messages)", () => {
  it("reads dims, data_type and packed float_data", () => {
    const floats = new Uint8Array(new Float32Array([0.5, -1, 3]).buffer);
    // dims 1 (packed [3]), data_type 1, float_data 4 (packed), name 8 "t"
    const bytes = Uint8Array.from([0x0a, 0x01, 0x03, 0x10, 0x01, 0x22, 0x0c, ...floats, 0x42, 0x01, 0x74]);
    const t = decodeTensor(bytes);
    expect(t).toMatchObject({ name: "t", dims: [3], dataType: DataType.float });
    expect(Array.from(t.values)).toEqual([0.5, -1, 3]);
  });

  it("reads unpacked dims and int64_data with negative values", () => {
    // dims 2, dims 1 (unpacked), data_type 7, int64_data packed [5, -2]
    const neg2 = [0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01];
    const bytes = Uint8Array.from([0x08, 0x02, 0x08, 0x01, 0x10, 0x07, 0x3a, 0x0b, 0x05, ...neg2]);
    const t = decodeTensor(bytes);
    expect(t.dims).toEqual([2, 1]);
    expect(Array.from(t.values)).toEqual([5, -2]);
  });

  it("rejects a payload that does not fill its dims", () => {
    const bytes = Uint8Array.from([0x0a, 0x01, 0x04, 0x10, 0x01, 0x4a, 0x04, 0, 0, 0x80, 0x3f]);
    expect(() => decodeTensor(bytes)).toThrow(/raw_data holds 4 bytes, expected 16/);
  });
});

describe.skipIf(!present)(
  present
    ? "decoding the ONNX suite's real files"
    : `decoding the ONNX suite's real files (skipped: ${suite ?? "../shared/conformance/onnx-node"} does not exist)`,
  () => {
    it("reads test_relu's model: opset, node, value-info shapes", () => {
      const m = decodeModel(file("test_relu", "model.onnx"));
      expect(m.producer).toBe("backend-test");
      expect(m.opsets[0]?.version).toBe(14);
      expect(m.graph.nodes).toHaveLength(1);
      expect(m.graph.nodes[0]).toMatchObject({ opType: "Relu", inputs: ["x"], outputs: ["y"] });
      expect(m.graph.inputs).toEqual([{ name: "x", elemType: DataType.float, dims: [3, 4, 5] }]);
      expect(m.graph.outputs[0]?.dims).toEqual([3, 4, 5]);
    });

    it("decodes raw float data: test_relu's output is max(0, input) element by element", () => {
      const x = decodeTensor(file("test_relu", "test_data_set_0", "input_0.pb"));
      const y = decodeTensor(file("test_relu", "test_data_set_0", "output_0.pb"));
      expect(x.dims).toEqual([3, 4, 5]);
      expect(x.values.some((v) => v < 0)).toBe(true);
      expect(Array.from(y.values)).toEqual(Array.from(x.values, (v) => Math.max(0, v)));
    });

    it("reads ints, strings and float attributes", () => {
      const pool = decodeModel(file("test_averagepool_2d_precomputed_same_upper", "model.onnx")).graph
        .nodes[0];
      expect(pool?.attributes.get("kernel_shape")).toEqual({ type: "ints", value: [3, 3] });
      expect(pool?.attributes.get("strides")).toEqual({ type: "ints", value: [2, 2] });
      expect(pool?.attributes.get("auto_pad")).toEqual({ type: "string", value: "SAME_UPPER" });
      const leaky = decodeModel(file("test_leakyrelu", "model.onnx")).graph.nodes[0];
      expect(leaky?.attributes.get("alpha")).toEqual({ type: "float", value: Math.fround(0.1) });
      const concat = decodeModel(file("test_concat_3d_axis_negative_3", "model.onnx")).graph.nodes[0];
      expect(concat?.attributes.get("axis")).toEqual({ type: "int", value: -3 });
    });

    it("keeps omitted optional inputs as empty names and reads int64 tensors", () => {
      const node = decodeModel(file("test_resize_upsample_sizes_nearest", "model.onnx")).graph.nodes[0];
      expect(node?.inputs).toEqual(["X", "", "", "sizes"]);
      const sizes = decodeTensor(file("test_resize_upsample_sizes_nearest", "test_data_set_0", "input_1.pb"));
      expect(sizes.dataType).toBe(DataType.int64);
      expect(Array.from(sizes.values)).toEqual([1, 1, 7, 8]);
    });

    it("fails loudly on a truncated model", () => {
      const bytes = file("test_relu", "model.onnx");
      expect(() => decodeModel(bytes.subarray(0, bytes.length - 5))).toThrow(ProtobufError);
    });
  },
);
