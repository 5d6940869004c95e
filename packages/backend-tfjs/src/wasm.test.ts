import { prepare } from "@fusegraph/backend-cpu";
import { initWeights, loadGraph } from "@fusegraph/dsl";
import { opCases } from "@fusegraph/dsl/testing";
import * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { randomInputs, relError } from "./__fixtures__/graph.js";
import { currentBackend, useBackend } from "./backend.js";
import { compile } from "./compile.js";
import { predict } from "./predict.js";

// The one test file on the wasm backend (the default runtime); the rest use cpu for speed.
const warn = vi.spyOn(console, "warn");
const log = vi.spyOn(console, "log");

beforeAll(async () => {
  // As the CLI does: the banner advising tfjs-node is tfjs's own output, silenced by whoever owns the console.
  tf.env().set("PROD", true);
  expect(await useBackend()).toBe("wasm");
});
afterAll(async () => {
  await useBackend("cpu");
});

describe("wasm backend", () => {
  it("is the default and can be switched to cpu and back", async () => {
    expect(currentBackend()).toBe("wasm");
    expect(await useBackend("cpu")).toBe("cpu");
    expect(tf.getBackend()).toBe("cpu");
    // The cpu backend's first write is where tfjs would print its banner.
    expect(Array.from(tf.tensor([1, 2]).dataSync())).toEqual([1, 2]);
    expect(await useBackend("wasm")).toBe("wasm");
  });

  for (const name of [
    "model/fpn-like",
    "model/unet-like",
    "model/hed-like",
    "conv1x1Add/resizeFirst-bilinear-batchNorm",
  ]) {
    it(`${name}: wasm agrees with the cpu executor`, async () => {
      const c = opCases.find((o) => o.name === name);
      if (!c) throw new Error(`opCases has ${name}`);
      const graph = loadGraph(c.spec);
      const weights = initWeights(graph, { seed: 2 });
      const model = compile(graph, { weights });
      const inputs = randomInputs(graph, 30);
      const got = await predict(model, graph, inputs);
      const cpu = prepare(graph, weights);
      try {
        const want = cpu.run(inputs);
        graph.outputs.forEach((id) => {
          expect(relError(got[id]?.data ?? [], want[id]?.data ?? [])).toBeLessThan(1e-4);
        });
      } finally {
        cpu.dispose();
      }
    });
  }

  it("prints nothing to the console (with tfjs's banner silenced by PROD, as the CLI does)", () => {
    expect(warn).not.toHaveBeenCalled();
    expect(log).not.toHaveBeenCalled();
  });
});
