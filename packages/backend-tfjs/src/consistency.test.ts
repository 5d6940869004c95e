import { prepare } from "@fusegraph/backend-cpu";
import {
  type Graph,
  initWeights,
  loadGraph,
  type TensorData,
  validateSpec,
  type WeightMap,
} from "@fusegraph/dsl";
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { randomInputs } from "./__fixtures__/graph.js";
import { useBackend } from "./backend.js";
import { checkCompilable } from "./compilable.js";
import { compile } from "./compile.js";
import { CompileError } from "./errors.js";
import { predict } from "./predict.js";
import { modelWeights } from "./weights.js";

// Specs the dsl accepts that tfjs once refused: whatever validates, both backends run, with the same
// outputs; what tfjs cannot express, checkCompilable and compile refuse naming the same node.

beforeAll(async () => {
  await useBackend("cpu");
});

function runCpu(graph: Graph, weights: WeightMap, inputs: Record<string, TensorData>) {
  const ex = prepare(graph, weights);
  try {
    return ex.run(inputs);
  } finally {
    ex.dispose();
  }
}

async function runTfjs(graph: Graph, weights: WeightMap, inputs: Record<string, TensorData>) {
  const model = compile(graph, { weights });
  try {
    return await predict(model, graph, inputs);
  } finally {
    model.dispose();
  }
}

function maxAbsDiff(a: TensorData, b: TensorData): number {
  expect(a.shape).toEqual(b.shape);
  let m = 0;
  for (let i = 0; i < a.data.length; i++) m = Math.max(m, Math.abs(a.data[i]! - b.data[i]!));
  return m;
}

/** Validates as `fusegraph check` does: the dsl's issues, then what tfjs cannot express. */
function checked(text: string): { graph: Graph; warnings: string[]; tfjs: string[] } {
  const r = validateSpec(text);
  if (!r.ok) throw new Error(r.issues.map((i) => i.message).join("; "));
  return {
    graph: r.graph,
    warnings: r.warnings.map((w) => w.code),
    tfjs: checkCompilable(r.graph).map((i) => i.nodeId),
  };
}

const head = (inputs: string) => `fusegraph: 1\nname: t\ninputs: ${inputs}\nnodes:\n`;

describe("an unused weighted node", () => {
  const spec = `${head("{ x: [5, 5, 2] }")}  a: { op: conv2d, input: x, filters: 3, kernelSize: 3, padding: same }
  dead: { op: conv2d, input: x, filters: 2, kernelSize: 1 }
outputs: [a]
`;
  const pruned = `${head("{ x: [5, 5, 2] }")}  a: { op: conv2d, input: x, filters: 3, kernelSize: 3, padding: same }
outputs: [a]
`;

  it("is a warning for check, and both backends give the outputs of the spec without it", async () => {
    const { graph, warnings, tfjs } = checked(spec);
    expect(warnings).toEqual(["unused_node"]);
    expect(tfjs).toEqual([]);
    const weights = initWeights(graph, { seed: 3 });
    const inputs = randomInputs(graph, 5);
    const cpu = runCpu(graph, weights, inputs);
    const viaTfjs = await runTfjs(graph, weights, inputs);
    // Independent reference: the same weights on the spec that never had the node.
    const ref = runCpu(
      loadGraph(pruned),
      new Map([...weights].filter(([k]) => !k.startsWith("dead/"))),
      inputs,
    );
    expect(maxAbsDiff(cpu.a!, ref.a!)).toBe(0);
    expect(maxAbsDiff(viaTfjs.a!, ref.a!)).toBeLessThan(1e-5);
    // Negative control: other weights for "a" change the output, so the agreement above means something.
    const other = runCpu(graph, initWeights(graph, { seed: 4 }), inputs);
    expect(maxAbsDiff(other.a!, ref.a!)).toBeGreaterThan(1e-2);
  });

  it("is not compiled: no layer, no weights, and the live node's weights still load", () => {
    const { graph } = checked(spec);
    const weights = initWeights(graph, { seed: 3 });
    const model = compile(graph, { weights });
    expect(model.layers.map((l) => l.name)).toEqual(["x", "a"]);
    const read = modelWeights(model, graph);
    expect([...read.keys()].sort()).toEqual(["a/bias", "a/kernel"]);
    expect(read.get("a/kernel")?.data).toEqual(weights.get("a/kernel")?.data);
    model.dispose();
  });
});

describe("an output listed twice", () => {
  const spec = `${head("{ x: [4, 4, 2] }")}  a: { op: conv2d, input: x, filters: 3, kernelSize: 3, padding: same }
  b: { op: activation, input: a, fn: relu }
outputs: [a, b, a]
`;

  it("gives the tfjs model three outputs, the repeat equal to the first, as backend-cpu runs it", async () => {
    const { graph, warnings, tfjs } = checked(spec);
    expect([warnings, tfjs]).toEqual([[], []]);
    const weights = initWeights(graph, { seed: 1 });
    const inputs = randomInputs(graph, 2);
    const cpu = runCpu(graph, weights, inputs);
    const model = compile(graph, { weights });
    expect(model.outputs).toHaveLength(3);
    const ys = model.predict(tf.tensor(inputs.x!.data, inputs.x!.shape)) as tf.Tensor[];
    const [a, b, again] = ys.map((t) => ({ shape: [...t.shape], data: Float32Array.from(t.dataSync()) }));
    tf.dispose(ys);
    expect(maxAbsDiff(again!, a!)).toBe(0);
    expect(maxAbsDiff(a!, cpu.a!)).toBeLessThan(1e-5);
    expect(maxAbsDiff(b!, cpu.b!)).toBeLessThan(1e-5);
    // Negative control: the outputs are not interchangeable (relu clips some of a's values).
    expect(maxAbsDiff(a!, b!)).toBeGreaterThan(1e-3);
    const out = await predict(model, graph, inputs);
    expect(Object.keys(out).sort()).toEqual(["a", "b"]);
    model.dispose();
  });
});

describe("flatten of a rank-1 tensor", () => {
  const spec = `${head("{ v: [6] }")}  f: { op: flatten, input: v }
  d: { op: dense, input: f, units: 2 }
outputs: [f, d]
`;

  it("is the identity on both backends, and what follows it matches", async () => {
    const { graph, tfjs } = checked(spec);
    expect(tfjs).toEqual([]);
    expect(graph.nodes.find((n) => n.id === "f")?.shape).toEqual([6]);
    const weights = initWeights(graph, { seed: 2 });
    const inputs = { v: { shape: [2, 6], data: Float32Array.of(1, 2, 3, 4, 5, 6, -6, -5, -4, -3, -2, -1) } };
    const cpu = runCpu(graph, weights, inputs);
    const viaTfjs = await runTfjs(graph, weights, inputs);
    // Hand reference: flatten returns its input as it is.
    expect([...cpu.f!.data]).toEqual([...inputs.v.data]);
    expect([...viaTfjs.f!.data]).toEqual([...inputs.v.data]);
    expect(maxAbsDiff(viaTfjs.d!, cpu.d!)).toBeLessThan(1e-5);
    // Negative control: a reversed example is not the identity, so the check above would notice.
    expect([...inputs.v.data].reverse()).not.toEqual([...inputs.v.data]);
  });
});

describe("a node tfjs cannot express", () => {
  const spec = `${head("{ x: [16, 16, 2] }")}  stem: { op: conv2d, input: x, filters: 2, kernelSize: 3 }
  c1: { op: conv2d, input: stem, filters: 2, kernelSize: 3, strides: 2, dilation: 2 }
outputs: [c1]
`;

  it("is named by the pre-check and by compile alike; backend-cpu runs it", () => {
    const { graph, tfjs } = checked(spec);
    expect(tfjs).toEqual(["c1"]);
    let err: unknown;
    try {
      compile(graph);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CompileError);
    expect((err as CompileError).nodeId).toBe("c1");
    const out = runCpu(graph, initWeights(graph), randomInputs(graph, 1));
    expect(out.c1!.shape).toEqual([1, 5, 5, 2]);
  });
});
