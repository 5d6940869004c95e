import { describe, expect, it } from "vitest";
import type { MapContext, MappedCase } from "./case-mapping.js";
import { mapNode } from "./mapping.js";
import type { OnnxAttribute, OnnxTensor } from "./onnx.js";

const tensor = (name: string, dims: number[], values: number[]): OnnxTensor => ({
  name,
  dims,
  dataType: 1,
  values: Float64Array.from(values),
});
const zeros = (name: string, dims: number[]) =>
  tensor(name, dims, new Array(dims.reduce((a, b) => a * b, 1)).fill(0));

function ctx(
  opType: string,
  inputs: OnnxTensor[],
  attributes: Record<string, OnnxAttribute> = {},
  opts: { outputs?: string[]; opset?: number; names?: string[] } = {},
): MapContext {
  return {
    node: {
      name: "",
      opType,
      domain: "",
      inputs: opts.names ?? inputs.map((t) => t.name),
      outputs: opts.outputs ?? ["y"],
      attributes: new Map(Object.entries(attributes)),
    },
    opset: opts.opset ?? 22,
    values: new Map(inputs.map((t) => [t.name, t])),
  };
}

function ok(c: MapContext): MappedCase {
  const r = mapNode(c);
  if (!r.ok) throw new Error(`expected a mapping, got skip: ${r.reason}`);
  return r.mapped;
}

function reason(c: MapContext): string {
  const r = mapNode(c);
  if (r.ok) throw new Error("expected a skip");
  return r.reason;
}

describe("LSTM mapping", () => {
  it("reorders gates i,o,f,c to Keras i,f,c,o and sums the two biases", () => {
    // H = 1, F = 1: W rows are the gates i=1, o=2, f=3, c=4; R likewise 5..8.
    const m = ok(
      ctx(
        "LSTM",
        [
          zeros("X", [2, 1, 1]),
          tensor("W", [1, 4, 1], [1, 2, 3, 4]),
          tensor("R", [1, 4, 1], [5, 6, 7, 8]),
          tensor("B", [1, 8], [1, 2, 3, 4, 10, 20, 30, 40]),
        ],
        { hidden_size: { type: "int", value: 1 } },
        { outputs: ["", "Y_h"] },
      ),
    );
    expect(Array.from(m.weights.get("yH/kernel")?.data ?? [])).toEqual([1, 3, 4, 2]);
    expect(Array.from(m.weights.get("yH/recurrentKernel")?.data ?? [])).toEqual([5, 7, 8, 6]);
    expect(Array.from(m.weights.get("yH/bias")?.data ?? [])).toEqual([11, 33, 44, 22]);
    expect(m.doc.nodes.yH).toMatchObject({ op: "lstm", units: 1, returnSequences: false });
    // X [seq=2, batch=1, F=1] is fed as [batch=1, T=2, F=1].
    expect(m.feeds.x?.shape).toEqual([1, 2, 1]);
  });

  it("transposes W [1, 4H, F] into kernel [F, 4H]", () => {
    // H = 1, F = 2: W[gate, f] = 10*gate + f.
    const m = ok(
      ctx(
        "LSTM",
        [
          zeros("X", [1, 1, 2]),
          tensor("W", [1, 4, 2], [0, 1, 10, 11, 20, 21, 30, 31]),
          zeros("R", [1, 4, 1]),
        ],
        {
          hidden_size: { type: "int", value: 1 },
        },
        { outputs: ["", "Y_h"] },
      ),
    );
    // Keras columns i, f, c, o = ONNX gates 0, 2, 3, 1.
    expect(Array.from(m.weights.get("yH/kernel")?.data ?? [])).toEqual([0, 20, 30, 10, 1, 21, 31, 11]);
  });

  it("skips peepholes, nonzero initial state and reverse direction with the reason", () => {
    const base = [zeros("X", [1, 1, 1]), zeros("W", [1, 4, 1]), zeros("R", [1, 4, 1])];
    const names = ["X", "W", "R", "", "", "", "", "P"];
    expect(reason(ctx("LSTM", [...base, tensor("P", [1, 3], [0.1, 0.1, 0.1])], {}, { names }))).toMatch(
      /peephole/,
    );
    // All-zero peepholes are a no-op, so that case maps.
    expect(mapNode(ctx("LSTM", [...base, zeros("P", [1, 3])], {}, { names })).ok).toBe(true);
    const h = ["X", "W", "R", "", "", "h0"];
    expect(reason(ctx("LSTM", [...base, tensor("h0", [1, 1, 1], [1])], {}, { names: h }))).toMatch(
      /initial_h/,
    );
    expect(reason(ctx("LSTM", base, { direction: { type: "string", value: "reverse" } }))).toMatch(
      /forward only/,
    );
  });
});

describe("Conv and ConvTranspose mapping", () => {
  it("permutes Conv W [O, I, kh, kw] to [kh, kw, I, O] and SAME_LOWER to explicit pads", () => {
    const m = ok(
      ctx("Conv", [zeros("x", [1, 1, 5, 5]), tensor("W", [2, 1, 1, 2], [1, 2, 3, 4])], {
        auto_pad: { type: "string", value: "SAME_LOWER" },
        strides: { type: "ints", value: [2, 2] },
      }),
    );
    expect(m.weights.get("y/kernel")).toEqual({ shape: [1, 2, 1, 2], data: Float32Array.from([1, 3, 2, 4]) });
    // W: out 3, total (3-1)*2 + 2 - 5 = 1, lower puts it first; H: total (3-1)*2 + 1 - 5 = 0.
    expect(m.doc.nodes.y).toMatchObject({
      op: "conv2d",
      padding: [0, 0, 1, 0],
      strides: [2, 2],
      useBias: false,
    });
  });

  it("maps output_shape past the full output to a zeroPad after the convolution", () => {
    const m = ok(
      ctx("ConvTranspose", [zeros("X", [1, 1, 3, 3]), zeros("W", [1, 2, 3, 3])], {
        output_shape: { type: "ints", value: [10, 8] },
        strides: { type: "ints", value: [3, 2] },
      }),
    );
    // Full output (3-1)*3+3 = 9 by (3-1)*2+3 = 7: one zero row and column appended.
    expect(m.doc.nodes.deconv).toMatchObject({ op: "conv2dTranspose", filters: 2, padding: [0, 0, 0, 0] });
    expect(m.doc.nodes.y).toMatchObject({ op: "zeroPad", input: "deconv", padding: [0, 1, 0, 1] });
    expect(m.weights.get("deconv/kernel")?.shape).toEqual([3, 3, 2, 1]);
  });

  it("skips groups and output padding with a bias", () => {
    expect(
      reason(
        ctx("ConvTranspose", [zeros("X", [1, 2, 3, 3]), zeros("W", [2, 1, 3, 3])], {
          group: { type: "int", value: 2 },
        }),
      ),
    ).toMatch(/no groups/);
    const withBias = ctx(
      "ConvTranspose",
      [zeros("X", [1, 1, 3, 3]), zeros("W", [1, 2, 3, 3]), zeros("B", [2])],
      {
        output_padding: { type: "ints", value: [1, 1] },
        strides: { type: "ints", value: [2, 2] },
      },
    );
    expect(reason(withBias)).toMatch(/bias/);
  });
});

describe("Gemm mapping", () => {
  const a = tensor("a", [2, 3], [1, 2, 3, 4, 5, 6]);

  it("folds alpha into the kernel, beta*C into the bias, and transposes B", () => {
    const b = tensor("b", [2, 3], [1, 2, 3, 4, 5, 6]); // transB: B' = [[1,4],[2,5],[3,6]]
    const m = ok(
      ctx("Gemm", [a, b, tensor("c", [2], [1, -1])], {
        alpha: { type: "float", value: 2 },
        beta: { type: "float", value: 0.5 },
        transB: { type: "int", value: 1 },
      }),
    );
    expect(m.weights.get("y/kernel")).toEqual({
      shape: [3, 2],
      data: Float32Array.from([2, 8, 4, 10, 6, 12]),
    });
    expect(Array.from(m.weights.get("y/bias")?.data ?? [])).toEqual([0.5, -0.5]);
    expect(m.doc.nodes.y).toMatchObject({ op: "dense", units: 2, useBias: true });
  });

  it("runs transA through a K x 1 conv2d and a matrix C through an add merge", () => {
    const m = ok(
      ctx("Gemm", [tensor("a", [3, 2], [1, 2, 3, 4, 5, 6]), zeros("b", [3, 4]), zeros("c", [2, 4])], {
        transA: { type: "int", value: 1 },
        beta: { type: "float", value: 3 },
      }),
    );
    expect(m.doc.inputs).toEqual({ a: [3, 2, 1], c: [1, 2, 4] });
    expect(m.doc.nodes.mm).toMatchObject({ op: "conv2d", kernelSize: [3, 1], filters: 4 });
    expect(m.doc.nodes.cScaled).toMatchObject({ op: "dense", units: 4, useBias: false });
    expect(m.doc.nodes.y).toEqual({ merge: "add", inputs: ["mm", "cScaled"] });
  });

  it("skips a C that broadcasts along M", () => {
    expect(reason(ctx("Gemm", [a, zeros("b", [3, 4]), zeros("c", [2, 1])]))).toMatch(/broadcasts along M/);
  });
});

describe("Resize and elementwise mapping", () => {
  const x = zeros("X", [1, 1, 2, 2]);

  it("maps integer nearest scales to an upsample factor", () => {
    const m = ok(
      ctx(
        "Resize",
        [x, tensor("scales", [4], [1, 1, 2, 3])],
        { mode: { type: "string", value: "nearest" } },
        { names: ["X", "", "scales"] },
      ),
    );
    expect(m.doc.nodes.y).toMatchObject({ op: "upsample", mode: "nearest", factor: [2, 3] });
  });

  it("skips coordinate rules the DSL does not share", () => {
    const linear = { mode: { type: "string", value: "linear" } } as const;
    const asym = {
      ...linear,
      coordinate_transformation_mode: { type: "string", value: "asymmetric" },
    } as const;
    const names = ["X", "", "scales"];
    expect(reason(ctx("Resize", [x, tensor("scales", [4], [1, 1, 2, 2])], asym, { names }))).toMatch(
      /asymmetric/,
    );
    expect(reason(ctx("Resize", [x, tensor("scales", [4], [1, 2, 2, 2])], linear, { names }))).toMatch(
      /axis 1/,
    );
    expect(
      reason(
        ctx(
          "Resize",
          [x, tensor("scales", [4], [1, 1, 2, 2])],
          { mode: { type: "string", value: "cubic" } },
          { names },
        ),
      ),
    ).toMatch(/cubic/);
  });

  it("maps softmax axes onto the whole-tensor example and skips the pre-13 rule", () => {
    const m = ok(ctx("Softmax", [zeros("x", [3, 4, 5])], { axis: { type: "int", value: 0 } }, { opset: 13 }));
    expect(m.doc.nodes.y).toMatchObject({ op: "activation", fn: "softmax", axis: 0 });
    expect(m.feeds.in0?.shape).toEqual([1, 3, 4, 5]);
    expect(reason(ctx("Softmax", [zeros("x", [3, 4])], {}, { opset: 11 }))).toMatch(/flattened/);
  });

  it("feeds Flatten's leading axes as the batch", () => {
    const m = ok(ctx("Flatten", [zeros("a", [2, 3, 4, 5])], { axis: { type: "int", value: -2 } }));
    expect(m.doc.inputs).toEqual({ x: [4, 5] });
    expect(m.feeds.x?.shape).toEqual([6, 4, 5]);
  });

  it("skips broadcasting, unknown attributes and unknown ops, naming them", () => {
    expect(reason(ctx("Add", [zeros("a", [3, 4]), zeros("b", [4])]))).toMatch(
      /broadcasting \[3,4\] with \[4\]/,
    );
    expect(reason(ctx("Relu", [zeros("a", [3])], { mystery: { type: "int", value: 1 } }))).toMatch(
      /attribute mystery/,
    );
    expect(reason(ctx("Gelu", [zeros("a", [3])]))).toMatch(/op Gelu has no fusegraph mapping/);
  });
});
