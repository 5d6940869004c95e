import type { SpecDocumentInput } from "@fusegraph/dsl";
import { badOption, SpecBuilder } from "./spec-builder.js";

export interface LstmOptions {
  timesteps?: number;
  features?: number;
  units?: number;
  /** Classifier outputs (lstm only). */
  classes?: number;
}

function positive(name: string, options: Record<string, number>): void {
  for (const [key, v] of Object.entries(options)) {
    if (!Number.isInteger(v) || v < 1) badOption(name, key, "a positive integer", v);
  }
}

/** A sequence classifier: one lstm layer (last hidden state) and a dense layer to class logits. */
export function lstmClassifier(options: LstmOptions = {}): SpecDocumentInput {
  const { timesteps = 16, features = 32, units = 64, classes = 10 } = options;
  positive("lstm", { timesteps, features, units, classes });
  const b = new SpecBuilder(
    "lstm",
    { sequence: [timesteps, features] },
    `Sequence classifier: lstm (${units} units, Hochreiter & Schmidhuber, 1997) on ${timesteps}x${features}, dense to ${classes} logits.`,
  );
  const h = b.op("lstm", "lstm", "sequence", { units });
  return b.build([b.op("fc", "dense", h, { units: classes })]);
}

/** Graph input ids of lstm-cell: one per time step, then the initial state. */
export const lstmCellInputs = (timesteps: number): string[] => [
  ...Array.from({ length: timesteps }, (_, t) => `x.${t}`),
  "h0",
  "c0",
];

/**
 * One LSTM cell built from primitives and unrolled over `timesteps` steps, so the additive cell state
 * c_t = f_t * c_{t-1} + i_t * g_t is a visible add merge. Gates follow Keras's order and activations
 * (i, f, o sigmoid; g tanh), each gate = dense(x_t, with bias) + dense(h_{t-1}, no bias). Steps t >= 1
 * `shareWeights` step 0's gate denses, so the cell has one set of weights, as the lstm op does (its
 * kernel, recurrentKernel and bias are the x-, h- and bias parts of the four gates, side by side).
 * Inputs are the steps x.0..x.{T-1} ([features] each; the spec language has no slicing) and the initial
 * state h0, c0 ([units]); the output is h_{T-1}.
 */
export function lstmCell(options: Omit<LstmOptions, "classes"> = {}): SpecDocumentInput {
  const { timesteps = 4, features = 32, units = 64 } = options;
  positive("lstm-cell", { timesteps, features, units });
  const inputs: Record<string, number[]> = {};
  for (const id of lstmCellInputs(timesteps)) inputs[id] = id.startsWith("x.") ? [features] : [units];
  const b = new SpecBuilder(
    "lstm-cell",
    inputs,
    `An LSTM cell (${units} units) from dense, sigmoid, tanh, multiply and add, unrolled over ${timesteps} steps that share step 0's weights.`,
  );
  let h = "h0";
  let c = "c0";
  for (let t = 0; t < timesteps; t++) {
    const p = `t${t}/`;
    const tied = (id: string) => (t === 0 ? {} : { shareWeights: `t0/${id}` });
    const gate = (g: string, fn: "sigmoid" | "tanh"): string => {
      const fromX = b.op(`${p}${g}.x`, "dense", `x.${t}`, { units, ...tied(`${g}.x`) });
      const fromH = b.op(`${p}${g}.h`, "dense", h, { units, useBias: false, ...tied(`${g}.h`) });
      return b.op(`${p}${g}`, "activation", b.merge(`${p}${g}.sum`, "add", [fromX, fromH]), { fn });
    };
    const i = gate("i", "sigmoid");
    const f = gate("f", "sigmoid");
    const g = gate("g", "tanh");
    const o = gate("o", "sigmoid");
    const keep = b.op(`${p}keep`, "multiply", [f, c]);
    const write = b.op(`${p}write`, "multiply", [i, g]);
    c = b.merge(`${p}c`, "add", [keep, write]);
    h = b.op(`${p}h`, "multiply", [o, b.op(`${p}c.tanh`, "activation", c, { fn: "tanh" })]);
  }
  return b.build([h]);
}
