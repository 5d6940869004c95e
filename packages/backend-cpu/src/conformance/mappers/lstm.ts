import type { NodeSpec, TensorData } from "@fusegraph/dsl";
import {
  attrFloat,
  attrInt,
  attrString,
  attrStrings,
  hasSlot,
  inputValue,
  toTensorData,
  unknownAttribute,
} from "../attributes.js";
import { type Mapper, mapped, skip } from "../case-mapping.js";
import { permute, reshape } from "../layout.js";
import type { OnnxTensor } from "../onnx.js";

/** ONNX packs gates i, o, f, c; Keras (and fusegraph) i, f, c, o: Keras gate g is ONNX gate ONNX_GATE[g]. */
const ONNX_GATE = [0, 2, 3, 1] as const;

/** W [1, 4H, F] (or R [1, 4H, H]) -> kernel [F, 4H] in Keras gate order: kernel[f, g*H+u] = W[0, G(g)*H+u, f]. */
function kerasKernel(w: OnnxTensor, hidden: number): TensorData {
  const f = w.dims[2] ?? 0;
  const g4 = 4 * hidden;
  const data = new Float32Array(f * g4);
  for (let g = 0; g < 4; g++) {
    const src = ONNX_GATE[g] as number;
    for (let u = 0; u < hidden; u++) {
      for (let i = 0; i < f; i++)
        data[i * g4 + g * hidden + u] = w.values[(src * hidden + u) * f + i] as number;
    }
  }
  return { shape: [f, g4], data };
}

/** B [1, 8H] = [Wb (4H), Rb (4H)] -> bias [4H] = Wb + Rb in Keras gate order. */
function kerasBias(b: OnnxTensor | undefined, hidden: number): TensorData {
  const data = new Float32Array(4 * hidden);
  if (b) {
    for (let g = 0; g < 4; g++) {
      const src = ONNX_GATE[g] as number;
      for (let u = 0; u < hidden; u++) {
        const o = src * hidden + u;
        data[g * hidden + u] = (b.values[o] as number) + (b.values[4 * hidden + o] as number);
      }
    }
  }
  return { shape: [4 * hidden], data };
}

const allZero = (t: OnnxTensor): boolean => t.values.every((v) => v === 0);

/**
 * LSTM (forward, default activations) onto the DSL's lstm: X [seq, batch, F] (layout 0) or
 * [batch, seq, F] (layout 1) is fed as [batch, T, F]. Y comes from an lstm with returnSequences, Y_h
 * from one without; both share the same weights.
 */
const lstm: Mapper = (ctx) => {
  const extra = unknownAttribute(ctx.node, [
    "hidden_size",
    "layout",
    "direction",
    "activations",
    "clip",
    "input_forget",
    "activation_alpha",
    "activation_beta",
  ]);
  if (extra) return skip(`attribute ${extra} is not supported`);
  const { node } = ctx;
  const direction = attrString(node, "direction", "forward");
  if (direction !== "forward") return skip(`direction ${direction}: the DSL's lstm runs forward only`);
  const acts = attrStrings(node, "activations");
  if (acts && acts.join(",") !== "Sigmoid,Tanh,Tanh")
    return skip(`activations ${acts.join(",")}: the DSL's lstm uses Sigmoid,Tanh,Tanh`);
  if (node.attributes.has("clip"))
    return skip(`clip=${attrFloat(node, "clip", 0)}: the DSL's lstm does not clip the cell`);
  if (attrInt(node, "input_forget", 0) !== 0)
    return skip("input_forget=1 couples the input and forget gates");
  const peep = inputValue(ctx, 7);
  if (hasSlot(node.inputs, 7) && !(peep && allZero(peep)))
    return skip("peephole weights P: the DSL's lstm has no peepholes");
  for (const [i, what] of [
    [5, "initial_h"],
    [6, "initial_c"],
  ] as const) {
    const v = inputValue(ctx, i);
    if (hasSlot(node.inputs, i) && !(v && allZero(v)))
      return skip(`${what} is nonzero: the DSL's lstm state starts at zero`);
  }
  if (hasSlot(node.outputs, 2)) return skip("output Y_c: the DSL's lstm returns h only");

  const x = inputValue(ctx, 0);
  const w = inputValue(ctx, 1);
  const r = inputValue(ctx, 2);
  if (!x || !w || !r || x.dims.length !== 3) return skip("X, W or R has no value in the data set");
  const hidden = attrInt(node, "hidden_size", r.dims[2] ?? 0);
  const layout = attrInt(node, "layout", 0);
  const seqLens = inputValue(ctx, 4);
  const xs = toTensorData(x);
  const feed = layout === 0 ? permute(xs, [1, 0, 2]) : xs;
  const [batch = 0, steps = 0, features = 0] = feed.shape;
  if (hasSlot(node.inputs, 4) && !seqLens?.values.every((v) => v === steps)) {
    return skip("sequence_lens shorter than the sequence: the DSL's lstm runs every step");
  }

  const weights = new Map<string, TensorData>();
  const nodes: Record<string, NodeSpec> = {};
  const kernel = kerasKernel(w, hidden);
  const recurrent = kerasKernel(r, hidden);
  const bias = kerasBias(inputValue(ctx, 3), hidden);
  const outputs = [];
  for (const [slot, returnSequences] of [
    [0, true],
    [1, false],
  ] as const) {
    if (!hasSlot(node.outputs, slot)) continue;
    const id = returnSequences ? "y" : "yH";
    nodes[id] = { op: "lstm", input: "x", units: hidden, returnSequences, unitForgetBias: false };
    weights.set(`${id}/kernel`, kernel);
    weights.set(`${id}/recurrentKernel`, recurrent);
    weights.set(`${id}/bias`, bias);
    outputs.push({
      id,
      // Y: [seq, 1, batch, H] (layout 0) or [batch, seq, 1, H]; Y_h: [1, batch, H] or [batch, 1, H].
      toOnnx: returnSequences
        ? (t: TensorData) =>
            layout === 0
              ? reshape(permute(t, [1, 0, 2]), [steps, 1, batch, hidden])
              : reshape(t, [batch, steps, 1, hidden])
        : (t: TensorData) => reshape(t, layout === 0 ? [1, batch, hidden] : [batch, 1, hidden]),
    });
  }
  return mapped({
    doc: {
      fusegraph: 1,
      name: "onnx-LSTM",
      inputs: { x: [steps, features] },
      nodes,
      outputs: outputs.map((o) => o.id),
    },
    weights,
    feeds: { x: feed },
    outputs,
  });
};

export const lstmMappers = { LSTM: lstm } satisfies Record<string, Mapper>;
