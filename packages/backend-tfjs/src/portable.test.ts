import { prepare } from "@fusegraph/backend-cpu";
import { type Graph, initWeights, resizeSource, type WeightMap } from "@fusegraph/dsl";
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { graphOf, type NodeSketch, predictSync, randomInputs, relError } from "./__fixtures__/graph.js";
import { useBackend } from "./backend.js";
import { compile } from "./compile.js";
import { CompileError } from "./errors.js";
import { planAxis } from "./portable/resize.js";

beforeAll(async () => {
  await useBackend("cpu");
});

const TOLERANCE = 1e-5;

/** Weights with non-identity batchNorm statistics and fusion weights (so folding does something). */
function weightsOf(graph: Graph, seed = 1): WeightMap {
  const w = initWeights(graph, { seed });
  let s = seed;
  const rnd = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  for (const [key, t] of w) {
    for (let i = 0; i < t.data.length; i++) {
      if (key.endsWith("movingVariance")) t.data[i] = 0.3 + 2 * rnd();
      else if (key.endsWith("gamma")) t.data[i] = 0.5 + rnd();
      else if (!key.endsWith("kernel")) t.data[i] = rnd() - 0.5;
    }
  }
  return w;
}

/** The portable model's first output against backend-cpu (the reference executor), batch 2. */
function portableError(graph: Graph, weights = weightsOf(graph)): number {
  const inputs = randomInputs(graph, 7, 2);
  const exe = prepare(graph, weights, { threads: 1 });
  const model = compile(graph, { target: "portable", weights });
  try {
    const want = exe.run(inputs)[graph.outputs[0]!]!.data;
    const got = predictSync(model, graph, inputs)[graph.outputs[0]!]!.data;
    return relError(got, want);
  } finally {
    exe.dispose();
    model.dispose();
  }
}

function portableClasses(graph: Graph): string[] {
  const model = compile(graph, { target: "portable" });
  try {
    return model.layers.map((l) => l.getClassName());
  } finally {
    model.dispose();
  }
}

function compileError(graph: Graph): CompileError {
  try {
    compile(graph, { target: "portable" }).dispose();
  } catch (e) {
    if (e instanceof CompileError) return e;
    throw e;
  }
  throw new Error("expected a CompileError");
}

const upsample = (shape: number[], params: Record<string, unknown>): Graph =>
  graphOf({ x: shape }, [{ id: "up", kind: "upsample", inputs: ["x"], params }]);

describe("portable resize: built-in layers with the reference's sampling", () => {
  it("plans read exactly resizeSource's positions (pad, repeat, offset, stride)", () => {
    for (const mode of ["nearest", "bilinear"] as const) {
      for (const alignCorners of mode === "bilinear" ? [false, true] : [false]) {
        for (let n = 1; n <= 9; n++) {
          for (let m = 1; m <= 19; m++) {
            const a = planAxis(n, m, mode, alignCorners);
            for (let d = 0; d < m; d++) {
              const j = a.stride * d + a.offset;
              // tfjs's UpSampling2D: source j / factor; nearest floors; bilinear clamps at the (padded) edge.
              const padded =
                mode === "nearest" ? Math.floor(j / a.factor) : Math.min(j / a.factor, n + 2 * a.pad - 1);
              const got = Math.min(Math.max(padded - a.pad, 0), n - 1);
              expect(got, `${mode} ac=${alignCorners} ${n}->${m} d=${d}`).toBeCloseTo(
                resizeSource(d, n, m, mode, alignCorners),
                12,
              );
            }
            expect((a.out - 1) * a.stride + a.offset).toBeLessThan((n + 2 * a.pad) * a.factor);
          }
        }
      }
    }
  });

  it.for([
    [[4, 4, 3], { factor: 2, mode: "nearest" }],
    [[3, 5, 2], { size: [7, 4], mode: "nearest" }],
    [[4, 4, 3], { factor: 2, mode: "bilinear" }],
    [[5, 3, 2], { size: [7, 8], mode: "bilinear" }],
    [[7, 6, 2], { size: [3, 4], mode: "bilinear" }],
    [[2, 8, 3], { size: [16, 16], mode: "bilinear", alignCorners: true }],
    [[5, 4, 2], { size: [1, 9], mode: "bilinear", alignCorners: true }],
  ] as const)("upsample %j %j agrees with backend-cpu, with no custom layer", ([shape, params]) => {
    const graph = upsample([...shape], params);
    expect(portableError(graph)).toBeLessThan(TOLERANCE);
    expect(portableClasses(graph).some((c) => c.startsWith("Fusegraph"))).toBe(false);
  });

  it("negative control: the same layers with another rule's reference disagree", () => {
    const half = upsample([5, 3, 2], { size: [7, 8], mode: "bilinear" });
    const corners = upsample([5, 3, 2], { size: [7, 8], mode: "bilinear", alignCorners: true });
    const weights = initWeights(half);
    const inputs = randomInputs(half, 7, 2);
    const exe = prepare(corners, weights, { threads: 1 });
    const model = compile(half, { target: "portable", weights });
    try {
      const want = exe.run(inputs).up!.data;
      expect(relError(predictSync(model, half, inputs).up!.data, want)).toBeGreaterThan(1e-2);
    } finally {
      exe.dispose();
      model.dispose();
    }
  });
});

describe("portable pools, softmax and convolutions", () => {
  const single = (shape: number[], s: NodeSketch): Graph => graphOf({ x: shape }, [s]);

  it.for([
    [
      "maxPool explicit pads",
      { kind: "maxPool", params: { poolSize: 3, strides: 2, padding: [1, 1, 1, 1] } },
    ],
    ["maxPool ceilMode", { kind: "maxPool", params: { poolSize: 3, strides: 2, ceilMode: true } }],
    ["maxPool asymmetric pads", { kind: "maxPool", params: { poolSize: 2, padding: [1, 0, 0, 1] } }],
    [
      "avgPool counting pads",
      { kind: "avgPool", params: { poolSize: 3, strides: 1, padding: 1, countIncludePad: true } },
    ],
    ["avgPool same", { kind: "avgPool", params: { poolSize: 3, strides: 2, padding: "same" } }],
    ["softmax over axis 0", { kind: "activation", params: { fn: "softmax", axis: 0 } }],
    ["softmax over axis 1", { kind: "activation", params: { fn: "softmax", axis: 1 } }],
    [
      "depthwise conv",
      { kind: "conv2d", params: { filters: 8, kernelSize: 3, groups: 4, padding: [1, 0, 2, 1] } },
    ],
  ] as const)("%s agrees with backend-cpu (negative inputs too)", ([, s]) => {
    const graph = single([7, 6, 4], { id: "n", kind: s.kind, inputs: ["x"], params: { ...s.params } });
    expect(portableError(graph)).toBeLessThan(TOLERANCE);
    expect(portableClasses(graph).some((c) => c.startsWith("Fusegraph"))).toBe(false);
  });

  it("folds batchNorm into a depthwise conv and a dense, and agrees with backend-cpu", () => {
    const graph = graphOf({ x: [6, 6, 4] }, [
      {
        id: "dw",
        kind: "conv2d",
        inputs: ["x"],
        params: { filters: 4, kernelSize: 3, groups: 4, useBias: false },
      },
      { id: "bn", kind: "batchNorm", inputs: ["dw"], params: { epsilon: 1e-3 } },
      { id: "gap", kind: "globalAvgPool", inputs: ["bn"] },
      { id: "fc", kind: "dense", inputs: ["gap"], params: { units: 5 } },
      { id: "bn2", kind: "batchNorm", inputs: ["fc"], params: { center: false } },
    ]);
    expect(portableClasses(graph)).not.toContain("BatchNormalization");
    expect(portableError(graph)).toBeLessThan(TOLERANCE);
  });

  it("keeps batchNorm as a layer when its conv has another reader, and still agrees", () => {
    const graph = graphOf({ x: [5, 5, 3] }, [
      { id: "c", kind: "conv2d", inputs: ["x"], params: { filters: 4, kernelSize: 1 } },
      { id: "bn", kind: "batchNorm", inputs: ["c"] },
      { id: "sum", kind: "add", inputs: ["bn", "c"] },
    ]);
    expect(portableClasses(graph)).toContain("BatchNormalization");
    expect(portableError(graph)).toBeLessThan(TOLERANCE);
  });

  it("bakes weightedAdd (softmax and relu normalisation, bias) into convs and Rescaling", () => {
    for (const normalize of ["none", "softmax", "relu"] as const) {
      const graph = graphOf({ x: [5, 5, 3] }, [
        { id: "a", kind: "conv2d", inputs: ["x"], params: { filters: 4, kernelSize: 3, padding: "same" } },
        { id: "abn", kind: "batchNorm", inputs: ["a"] },
        { id: "b", kind: "conv2d", inputs: ["x"], params: { filters: 4, kernelSize: 1 } },
        { id: "r", kind: "activation", inputs: ["b"], params: { fn: "relu" } },
        { id: "fuse", kind: "weightedAdd", inputs: ["abn", "r", "b"], params: { normalize, bias: true } },
      ]);
      const weights = weightsOf(graph, 3);
      weights.set("fuse/weights", { shape: [3], data: Float32Array.from([0.9, -0.4, 1.7]) });
      const classes = portableClasses(graph);
      expect(classes).not.toContain("BatchNormalization");
      expect(classes).toContain("Rescaling");
      expect(portableError(graph, weights), normalize).toBeLessThan(TOLERANCE);
      // Negative control: the reference with other fusion weights is another function.
      const other = new Map(weights);
      other.set("fuse/weights", { shape: [3], data: Float32Array.from([0.2, 0.5, -1]) });
      const exe = prepare(graph, other, { threads: 1 });
      const model = compile(graph, { target: "portable", weights });
      try {
        const inputs = randomInputs(graph, 7, 2);
        expect(
          relError(predictSync(model, graph, inputs).fuse!.data, exe.run(inputs).fuse!.data),
        ).toBeGreaterThan(1e-3);
      } finally {
        exe.dispose();
        model.dispose();
      }
    }
  });
});

describe("nodes with no exact built-in equivalent fail naming the node", () => {
  it.for([
    [
      "g",
      { kind: "conv2d", params: { filters: 4, kernelSize: 3, groups: 2 } },
      /groups 2 over 4 input channels/,
    ],
    ["t", { kind: "conv2dTranspose", params: { filters: 2, kernelSize: 3, dilation: 2 } }, /no dilation/],
    ["p", { kind: "maxPool", params: { poolSize: 2, dilation: 2 } }, /dilation/],
    [
      "a",
      { kind: "avgPool", params: { poolSize: 3, strides: 2, ceilMode: true } },
      /partial ceilMode window/,
    ],
  ] as const)("%s: %j", ([id, s, why]) => {
    const graph = graphOf({ x: [8, 8, 4] }, [{ id, kind: s.kind, inputs: ["x"], params: { ...s.params } }]);
    const e = compileError(graph);
    expect(e.nodeId).toBe(id);
    expect(e.code).toBe("unsupported_params");
    expect(e.message).toMatch(why);
    // The trainable target expresses the same node (with its custom layers).
    compile(graph).dispose();
  });

  it("a nearest resize by 49, where tfjs's own UpSampling2D picks the wrong source row", () => {
    // Evidence first: on tfjs-cpu, row 49 of a 2-row input repeated 49 times reads row 0, not 1.
    const x = tf.tensor4d([0, 1], [1, 2, 1, 1]);
    const y = tf.layers.upSampling2d({ size: [49, 1] }).apply(x) as tf.Tensor;
    expect(y.dataSync()[49]).toBe(0);
    tf.dispose([x, y]);
    const e = compileError(upsample([2, 1, 1], { factor: [49, 1] }));
    expect(e.nodeId).toBe("up");
    expect(e.message).toMatch(/UpSampling2D by 49/);
  });

  it("a fusionWeights node read as a tensor (not through scaleBy)", () => {
    const graph = graphOf({ x: [3] }, [
      { id: "fw", kind: "fusionWeights", inputs: ["x"], params: { count: 2 } },
    ]);
    const e = compileError(graph);
    expect(e.nodeId).toBe("fw");
    expect(e.message).toMatch(/bakes fusion weights/);
  });
});
