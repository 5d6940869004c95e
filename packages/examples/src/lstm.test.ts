import { describe, expect, it } from "vitest";
import { costOf, expectOptionError, graphOf, shapeAt, trainableUnder } from "./__fixtures__/graphs.js";
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
  it("shares step 0's weights across steps: the lstm op's 24,832 params for 32 features, 64 units", () => {
    const cell = costOf(lstmCell({ timesteps: 3, features: 32, units: 64 }));
    // Keras LSTM: 4 * (units * (units + features) + units).
    expect(cell.total.params.trainable).toBe(lstmParams(32, 64));
    expect(cell.total.params.trainable).toBe(24_832);
    const layer = costOf(lstmClassifier({ timesteps: 3, features: 32, units: 64 }));
    expect(cell.total.params.trainable).toBe(layer.nodes.find((n) => n.id === "lstm")?.params.trainable);
    expect(trainableUnder(cell, "t0/")).toBe(24_832);
    expect(trainableUnder(cell, "t1/") + trainableUnder(cell, "t2/")).toBe(0);
    // Every step still does the work: the gate denses' MACs, T * 4 * units * (features + units).
    const denseMacs = cell.nodes.filter((n) => n.kind === "dense").reduce((s, n) => s + n.macs, 0);
    expect(denseMacs).toBe(3 * 4 * 64 * (32 + 64));
  });

  it("ties each later step's gate denses to step 0's, and no other node", () => {
    const g = graphOf(lstmCell({ timesteps: 3, features: 5, units: 7 }));
    const tied = g.nodes.filter((n) => n.shareWeights !== undefined).map((n) => [n.id, n.shareWeights]);
    const gates = ["i", "f", "g", "o"].flatMap((k) => [`${k}.x`, `${k}.h`]);
    expect(tied).toEqual(
      expect.arrayContaining([1, 2].flatMap((t) => gates.map((d) => [`t${t}/${d}`, `t0/${d}`]))),
    );
    expect(tied).toHaveLength(2 * gates.length);
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
