import { describe, expect, it } from "vitest";
import { costOf, expectOptionError, graphOf, shapeAt } from "./__fixtures__/graphs.js";
import { lstmCell, lstmCellInputs, lstmClassifier } from "./lstm.js";

/** An LSTM layer: four gates, each with input and recurrent kernels and a bias. */
const lstmParams = (f: number, u: number) => 4 * (u * (f + u) + u);

describe("lstm", () => {
  it("has 24,832 params in an lstm layer of 64 units over 32 features", () => {
    expect(lstmParams(32, 64)).toBe(24_832);
    const cost = costOf(lstmClassifier());
    expect(cost.nodes.find((n) => n.id === "lstm")?.params.trainable).toBe(24_832);
    expect(cost.total.params.trainable).toBe(24_832 + 64 * 10 + 10);
    expect(shapeAt(graphOf(lstmClassifier({ classes: 3 })), "fc")).toEqual([3]);
  });

  it("rejects bad options", () => {
    expectOptionError(() => lstmClassifier({ units: 0 }), "units");
    expectOptionError(() => lstmCell({ timesteps: 1.5 }), "timesteps");
  });
});

describe("lstm-cell", () => {
  it("builds each step from primitives with the lstm op's params per step", () => {
    const cost = costOf(lstmCell({ timesteps: 3, features: 32, units: 64 }));
    const step = cost.nodes.filter((n) => n.id.startsWith("t1/")).reduce((s, n) => s + n.params.trainable, 0);
    expect(step).toBe(24_832);
    // No weight sharing yet: every unrolled step owns its weights.
    expect(cost.total.params.trainable).toBe(3 * 24_832);
  });

  it("makes the cell state an add of f*c_{t-1} and i*g, chained across steps", () => {
    const g = graphOf(lstmCell({ timesteps: 2, features: 5, units: 7 }));
    expect(g.inputs.map((i) => i.id)).toEqual(lstmCellInputs(2));
    const node = (id: string) => g.nodes.find((n) => n.id === id);
    expect(node("t1/c")).toMatchObject({ kind: "add", inputs: ["t1/keep", "t1/write"], shape: [7] });
    expect(node("t1/keep")).toMatchObject({ kind: "multiply", inputs: ["t1/f", "t0/c"] });
    expect(node("t1/write")).toMatchObject({ kind: "multiply", inputs: ["t1/i", "t1/g"] });
    expect(node("t0/keep")?.inputs).toEqual(["t0/f", "c0"]);
    expect(node("t1/i.h")?.inputs).toEqual(["t0/h"]);
    expect(node("t1/g")?.params).toMatchObject({ fn: "tanh" });
    expect(node("t1/o")?.params).toMatchObject({ fn: "sigmoid" });
    expect(g.outputs).toEqual(["t1/h"]);
  });
});
