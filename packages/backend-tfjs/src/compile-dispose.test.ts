import { initWeights, loadGraph } from "@fusegraph/dsl";
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { useBackend } from "./backend.js";
import { compile } from "./compile.js";
import { CompileError } from "./errors.js";

beforeAll(async () => {
  await useBackend("cpu");
});

/** Live tfjs tensors (variables included) that `fn` leaves behind, whether it returns or throws. */
function leftBehind(fn: () => unknown): { tensors: number; error: unknown } {
  const before = tf.memory().numTensors;
  let error: unknown;
  try {
    fn();
  } catch (e) {
    error = e;
  }
  return { tensors: tf.memory().numTensors - before, error };
}

// Plain, grouped and shared convs, a conv1x1Add (parts with batchNorm) and a weightedAdd: every kind
// of layer compile builds before it loads the weights.
const graph = loadGraph(`
fusegraph: 1
name: many-layers
inputs: { x: [8, 8, 4] }
nodes:
  a: { op: conv2d, input: x, filters: 4, kernelSize: 3, padding: same }
  g: { op: conv2d, input: a, filters: 4, kernelSize: 3, padding: 1, groups: 2 }
  s: { op: conv2d, input: g, filters: 4, kernelSize: 3, padding: same, shareWeights: a }
  p: { op: maxPool, input: s, poolSize: 2 }
  fuse: { merge: conv1x1Add, inputs: [p, a], channels: 6, norm: batchNorm }
  w: { merge: weightedAdd, inputs: [fuse, fuse] }
outputs: [w]
`);

describe("a failed compile", () => {
  it("disposes every layer variable it made (weights refused after all layers are built)", () => {
    const full = initWeights(graph, { seed: 1 });
    const missing = new Map([...full].filter(([key]) => key !== "fuse/proj0/bn/gamma"));
    const r = leftBehind(() => compile(graph, { weights: missing }));
    expect(r.error).toBeInstanceOf(CompileError);
    expect((r.error as CompileError).nodeId).toBe("fuse");
    expect(r.tensors).toBe(0);

    const misshapen = new Map(full);
    misshapen.set("w/weights", { shape: [3], data: new Float32Array(3) });
    const m = leftBehind(() => compile(graph, { weights: misshapen }));
    expect(m.error).toBeInstanceOf(CompileError);
    expect(m.tensors).toBe(0);
  });

  it("creates nothing when the pre-check refuses the graph", () => {
    const bad = loadGraph(`
fusegraph: 1
name: refused
inputs: { x: [9, 9, 2] }
nodes:
  a: { op: conv2d, input: x, filters: 4, kernelSize: 3 }
  c1: { op: conv2d, input: a, filters: 2, kernelSize: 3, strides: 2, dilation: 2 }
outputs: [c1]
`);
    const r = leftBehind(() => compile(bad));
    expect((r.error as CompileError).nodeId).toBe("c1");
    expect(r.tensors).toBe(0);
  });

  it("negative controls: the count sees a model that is kept, and layers leaked on purpose", () => {
    let model: tf.LayersModel | undefined;
    const kept = leftBehind(() => {
      model = compile(graph, { seed: 1 });
    });
    expect(kept.error).toBeUndefined();
    // The model holds one variable per weight (shared weights once, on their target's layers).
    expect(kept.tensors).toBe(model!.weights.length);
    expect(kept.tensors).toBeGreaterThan(10);
    model!.dispose();

    const names = new Set(Object.keys(tf.engine().registeredVariables));
    const leak = leftBehind(() => {
      tf.layers.dense({ units: 3 }).apply(tf.input({ shape: [5] }));
      throw new Error("a failure that forgets the layer it built");
    });
    expect(leak.tensors).toBe(2);
    for (const [name, v] of Object.entries(tf.engine().registeredVariables))
      if (!names.has(name)) v.dispose();
  });
});

describe("a compiled lstm", () => {
  it("frees every tensor on dispose (tfjs-layers' unitForgetBias initializer leaks 4 unless built in a tidy)", () => {
    const lstm = loadGraph(`
fusegraph: 1
name: lstm-leak
inputs: { s: [3, 2] }
nodes:
  l: { op: lstm, input: s, units: 2 }
outputs: [l]
`);
    expect(leftBehind(() => compile(lstm).dispose()).tensors).toBe(0);
    // Negative control: the same tfjs layer built outside a tidy leaves tensors behind, so the
    // count above would notice the leak coming back.
    const raw = leftBehind(() => {
      const x = tf.input({ shape: [3, 2] });
      const y = tf.layers.lstm({ units: 2, unitForgetBias: true }).apply(x) as tf.SymbolicTensor;
      tf.model({ inputs: x, outputs: y }).dispose();
    });
    expect(raw.tensors).toBeGreaterThan(0);
  });
});
