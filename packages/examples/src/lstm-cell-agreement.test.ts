import { useBackend } from "@fusegraph/backend-tfjs";
import {
  createRng,
  type Graph,
  graphCost,
  initWeights,
  type TensorData,
  type WeightMap,
} from "@fusegraph/dsl";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { runCpu, runTfjs } from "./__fixtures__/agreement.js";
import { graphOf } from "./__fixtures__/graphs.js";
import { lstmCell, lstmCellInputs } from "./lstm.js";

const TOLERANCE = 1e-5;
/** The lstm op's gate order (Keras): input, forget, cell candidate, output; lstm-cell names them i, f, g, o. */
const CELL_GATES = ["i", "f", "g", "o"] as const;

const backend = await useBackend("wasm");

interface Sizes {
  timesteps: number;
  features: number;
  units: number;
}

/** One lstm op over the whole sequence: its output is the last hidden state. */
function lstmGraph({ timesteps, features, units }: Sizes): Graph {
  return graphOf({
    fusegraph: 1,
    name: "lstm-op",
    inputs: { sequence: [timesteps, features] },
    nodes: { lstm: { op: "lstm", input: "sequence", units } },
    outputs: ["lstm"],
  });
}

/** The lstm-cell example, with its last cell state exposed as a second output. */
function cellGraph(sizes: Sizes): Graph {
  const doc = lstmCell(sizes);
  return graphOf({ ...doc, outputs: [...doc.outputs, `t${sizes.timesteps - 1}/c`] });
}

/** Columns [k*u, (k+1)*u) of a row-major [rows, 4u] matrix, as [rows, u]. */
function gateColumns(data: Float32Array, rows: number, units: number, k: number): Float32Array {
  const out = new Float32Array(rows * units);
  for (let r = 0; r < rows; r++)
    out.set(data.subarray(r * 4 * units + k * units, r * 4 * units + (k + 1) * units), r * units);
  return out;
}

/** The cell's only key ending in `suffix` (steps t >= 1 share step 0's, so there is one per gate). */
function keyEnding(keys: readonly string[], suffix: string): string {
  const found = keys.filter((k) => k.endsWith(suffix));
  expect(found, `cell weights ending in ${suffix}`).toHaveLength(1);
  return found[0]!;
}

/**
 * The lstm op's kernel [F,4u], recurrentKernel [u,4u] and bias [4u] split into the cell's gate denses,
 * keyed as `initWeights(cellGraph)` keys them. `order` maps cell gate -> lstm gate slice.
 */
function cellWeightsFrom(op: WeightMap, cell: Graph, sizes: Sizes, order = [0, 1, 2, 3]): WeightMap {
  const { features: F, units: u } = sizes;
  const kernel = op.get("lstm/kernel")!.data;
  const recurrent = op.get("lstm/recurrentKernel")!.data;
  const bias = op.get("lstm/bias")!.data;
  const keys = [...initWeights(cell).keys()];
  const out: WeightMap = new Map();
  CELL_GATES.forEach((gate, g) => {
    const k = order[g]!;
    out.set(keyEnding(keys, `${gate}.x/kernel`), { shape: [F, u], data: gateColumns(kernel, F, u, k) });
    out.set(keyEnding(keys, `${gate}.x/bias`), { shape: [u], data: bias.slice(k * u, (k + 1) * u) });
    out.set(keyEnding(keys, `${gate}.h/kernel`), { shape: [u, u], data: gateColumns(recurrent, u, u, k) });
  });
  expect(out.size).toBe(keys.length);
  return out;
}

/** Textbook LSTM in float64 (Hochreiter & Schmidhuber; Keras's gates), from h0 = c0 = 0. */
function referenceLstm(op: WeightMap, seq: Float32Array, { timesteps, features: F, units: u }: Sizes) {
  const K = op.get("lstm/kernel")!.data;
  const R = op.get("lstm/recurrentKernel")!.data;
  const b = op.get("lstm/bias")!.data;
  const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
  let h = new Float64Array(u);
  const c = new Float64Array(u);
  for (let t = 0; t < timesteps; t++) {
    const z = Float64Array.from(b);
    for (let j = 0; j < 4 * u; j++) {
      for (let r = 0; r < F; r++) z[j]! += seq[t * F + r]! * K[r * 4 * u + j]!;
      for (let r = 0; r < u; r++) z[j]! += h[r]! * R[r * 4 * u + j]!;
    }
    const next = new Float64Array(u);
    for (let j = 0; j < u; j++) {
      c[j] = sigmoid(z[u + j]!) * c[j]! + sigmoid(z[j]!) * Math.tanh(z[2 * u + j]!);
      next[j] = sigmoid(z[3 * u + j]!) * Math.tanh(c[j]!);
    }
    h = next;
  }
  return { h, c };
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Number.POSITIVE_INFINITY;
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return Number.isNaN(m) ? Number.POSITIVE_INFINITY : m;
}

/** Runs the lstm op and the unrolled cell with the same weights and sequence on both backends. */
function compare(sizes: Sizes, seed: number, order?: number[]) {
  const op = lstmGraph(sizes);
  const cell = cellGraph(sizes);
  const opWeights = initWeights(op, { seed });
  // Keras's bias init is ones/zeros; random values also test that each gate gets its own slice.
  const rng = createRng(seed + 1);
  for (const v of opWeights.get("lstm/bias")!.data.keys()) opWeights.get("lstm/bias")!.data[v] = rng() - 0.5;
  const cellWeights = cellWeightsFrom(opWeights, cell, sizes, order);

  const { timesteps: T, features: F, units: u } = sizes;
  const seq = new Float32Array(T * F).map(() => 2 * rng() - 1);
  const opInputs: Record<string, TensorData> = { sequence: { shape: [1, T, F], data: seq } };
  const cellInputs: Record<string, TensorData> = {};
  for (const id of lstmCellInputs(T)) {
    const t = id.startsWith("x.") ? Number(id.slice(2)) : -1;
    cellInputs[id] =
      t >= 0
        ? { shape: [1, F], data: seq.slice(t * F, (t + 1) * F) }
        : { shape: [1, u], data: new Float32Array(u) };
  }
  const [hId, cId] = cell.outputs as [string, string];
  const ref = referenceLstm(opWeights, seq, sizes);
  const runs = { cpu: runCpu, tfjs: runTfjs };
  const errors: Record<string, number> = {};
  for (const [name, run] of Object.entries(runs)) {
    const opOut = run(op, opWeights, opInputs).lstm!;
    const cellOut = run(cell, cellWeights, cellInputs);
    errors[`${name} cell h vs lstm op h`] = maxAbsDiff(cellOut[hId]!, opOut);
    errors[`${name} cell h vs float64`] = maxAbsDiff(cellOut[hId]!, ref.h);
    errors[`${name} cell c vs float64`] = maxAbsDiff(cellOut[cId]!, ref.c);
    errors[`${name} lstm op h vs float64`] = maxAbsDiff(opOut, ref.h);
  }
  return { errors, cellCost: graphCost(cell).total.params.total, opCost: graphCost(op).total.params.total };
}

describe(`lstm-cell (shared gate denses) agrees with the lstm op on backend-cpu and tfjs-${backend}`, () => {
  it("at the example's sizes (4 steps, 32 features, 64 units): final h and c within 1e-5", () => {
    const sizes = { timesteps: 4, features: 32, units: 64 };
    const { errors, cellCost, opCost } = compare(sizes, 1);
    // One set of weights: the cell's params equal the op's, 4u(F + u + 1).
    expect(cellCost).toBe(opCost);
    expect(opCost).toBe(4 * 64 * (32 + 64 + 1));
    for (const [what, e] of Object.entries(errors)) expect(e, what).toBeLessThanOrEqual(TOLERANCE);
  });

  it("at any small size and seed", () => {
    fc.assert(
      fc.property(
        fc.record({
          timesteps: fc.integer({ min: 1, max: 5 }),
          features: fc.integer({ min: 1, max: 6 }),
          units: fc.integer({ min: 1, max: 5 }),
        }),
        fc.integer({ min: 0, max: 2 ** 30 }),
        (sizes, seed) => {
          for (const [what, e] of Object.entries(compare(sizes, seed).errors)) {
            expect(e, `${what} at ${JSON.stringify(sizes)}`).toBeLessThanOrEqual(TOLERANCE);
          }
        },
      ),
      { numRuns: 8 },
    );
  });

  it("notices gate slices in the wrong order (forget and input swapped)", () => {
    const { errors } = compare({ timesteps: 3, features: 4, units: 3 }, 5, [1, 0, 2, 3]);
    expect(errors["cpu cell h vs lstm op h"]).toBeGreaterThan(1e-3);
    expect(errors["tfjs cell h vs lstm op h"]).toBeGreaterThan(1e-3);
  });
});
