import { CompileError, type CompileTarget, compile, predict, useBackend } from "@fusegraph/backend-tfjs";
import { type Graph, loadGraph, type WeightMap } from "@fusegraph/dsl";
import type * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { relativeError, seededInputs } from "./__fixtures__/agreement.js";
import { nonTrivialWeights } from "./__fixtures__/weights.js";
import { findExample, listExamples } from "./index.js";

// backend-tfjs's `optimize: "inference"` on every bundled example. It lives here, not in backend-tfjs,
// because examples depends on backend-tfjs (the reverse dependency would be a cycle).

// NOTE: wasm, not cpu: the full-depth examples at 64x64 take minutes on the pure-JS cpu backend.
beforeAll(async () => {
  await useBackend("wasm");
});

const TOLERANCE = 1e-4;
const TARGETS: readonly CompileTarget[] = ["trainable", "portable"];
/**
 * Deeper copies of resnet50 / densenet121 (the same blocks, more of them): the trainable target covers
 * them; the portable target's lowering of those blocks is checked on resnet50 and densenet121, which
 * keeps this file within its time budget.
 */
const DEEPER_COPIES = new Set(["resnet101", "resnet152", "densenet169", "densenet201"]);
/** Layer classes an inference rewrite removes where it applies (Softmax: a last-axis softmax activation). */
const REMOVABLE = new Set(["BatchNormalization", "Activation", "Dropout", "Softmax"]);

function layerCounts(model: tf.LayersModel) {
  const byClass: Record<string, number> = {};
  for (const l of model.layers) byClass[l.getClassName()] = (byClass[l.getClassName()] ?? 0) + 1;
  const removable = Object.entries(byClass)
    .filter(([c]) => REMOVABLE.has(c))
    .reduce((a, [, n]) => a + n, 0);
  return { total: model.layers.length, removable, byClass };
}

/** The optimised model against the unoptimised one (same target and weights): error and layer counts. */
async function compareOptimized(graph: Graph, weights: WeightMap, target: CompileTarget) {
  const inputs = seededInputs(graph, 3);
  const plain = compile(graph, { target, weights });
  let optimized: tf.LayersModel | undefined;
  try {
    optimized = compile(graph, { target, weights, optimize: "inference" });
    const want = await predict(plain, graph, inputs);
    const got = await predict(optimized, graph, inputs);
    const error = Math.max(...graph.outputs.map((id) => relativeError(got[id]!.data, want[id]!.data).error));
    return { error, plain: layerCounts(plain), optimized: layerCounts(optimized) };
  } finally {
    plain.dispose();
    optimized?.dispose();
  }
}

describe("optimize: inference on every bundled example (small config): same outputs, fewer layers", () => {
  it("lists the examples", () => {
    expect(listExamples().length).toBeGreaterThan(5);
  });

  for (const example of listExamples()) {
    it(example.name, async () => {
      const graph = loadGraph(example.smallSpec());
      const weights = nonTrivialWeights(graph, 23);
      const targets = DEEPER_COPIES.has(example.name) ? TARGETS.slice(0, 1) : TARGETS;
      for (const target of targets) {
        let r: Awaited<ReturnType<typeof compareOptimized>>;
        try {
          r = await compareOptimized(graph, weights, target);
        } catch (e) {
          // The portable target has no built-in layer for some params (e.g. grouped convs): it must
          // refuse them with a CompileError, optimised or not.
          if (target === "portable" && e instanceof CompileError) {
            expect(e.code).toBe("unsupported_params");
            continue;
          }
          throw e;
        }
        expect(r.error, `${example.name} (${target})`).toBeLessThan(TOLERANCE);
        expect(r.optimized.total, `${example.name} (${target})`).toBeLessThanOrEqual(r.plain.total);
        expect(r.optimized.removable, `${example.name} (${target})`).toBeLessThanOrEqual(r.plain.removable);
      }
    });
  }

  it("resnet18: no BatchNormalization left; the only Activation layers are the relus after the residual adds", () => {
    const graph = loadGraph(findExample("resnet18")!.smallSpec());
    for (const target of TARGETS) {
      const model = compile(graph, { target, optimize: "inference" });
      try {
        const counts = layerCounts(model);
        expect(counts.byClass.BatchNormalization ?? 0, target).toBe(0);
        expect(counts.byClass.Dropout ?? 0, target).toBe(0);
        const acts = model.layers.filter((l) => l.getClassName() === "Activation");
        expect(acts.length, target).toBe(8);
        const fed = acts.map((l) => l.inboundNodes[0]?.inboundLayers[0]?.getClassName());
        expect(new Set(fed), target).toEqual(new Set(["Add"]));
      } finally {
        model.dispose();
      }
    }
  });
});
