import { attr } from "../graph-builder.js";
import { inputAt, type Lowering, type WeightTensor } from "../lowering.js";

/** Keras's gate block feeding each of ONNX's gates, which come in the order i, o, f, c (Keras: i, f, c, o). */
const KERAS_GATE = [0, 3, 1, 2];

/** A Keras [rows, 4u] matrix as ONNX's [1, 4u, rows]: transposed, gate blocks reordered. */
function gateMatrix(w: WeightTensor, units: number): Float32Array {
  const rows = w.shape[0] ?? 0;
  const out = new Float32Array(4 * units * rows);
  for (let g = 0; g < 4; g++) {
    const src = (KERAS_GATE[g] ?? 0) * units;
    for (let j = 0; j < units; j++)
      for (let r = 0; r < rows; r++) out[(g * units + j) * rows + r] = w.data[r * 4 * units + src + j] ?? 0;
  }
  return out;
}

/**
 * ONNX LSTM (default activations sigmoid, tanh, tanh = Keras's) over [T, N, F]: the input is transposed
 * from batch-first, W/R/B become `<key>:W_iofc`, `<key>:R_iofc`, `<key>:B_iofc` (B is the Keras bias
 * reordered, then zeros for the recurrent bias). The last state Y_h, or the whole sequence Y, comes back
 * batch-first.
 */
export const lstm: Lowering<"lstm"> = (node, ctx) => {
  const u = node.params.units;
  const k = ctx.weight("kernel");
  const r = ctx.weight("recurrentKernel");
  const b = ctx.weight("bias");
  const f = k.shape[0] ?? 0;
  const W = ctx.builder.floats(`${k.key}:W_iofc`, [1, 4 * u, f], gateMatrix(k, u));
  const R = ctx.builder.floats(`${r.key}:R_iofc`, [1, 4 * u, u], gateMatrix(r, u));
  const bias = new Float32Array(8 * u);
  for (let g = 0; g < 4; g++)
    bias.set(b.data.subarray((KERAS_GATE[g] ?? 0) * u, ((KERAS_GATE[g] ?? 0) + 1) * u), g * u);
  const B = ctx.builder.floats(`${b.key}:B_iofc`, [1, 8 * u], bias);
  const x = inputAt(ctx, 0);
  const timeMajor = ctx.aux("Transpose", "time_major", [x.name], { perm: attr.ints([1, 0, 2]) });
  const name = ctx.builder.fresh(`${node.id}/lstm`);
  const seq = `${name}/Y`;
  const last = `${name}/Y_h`;
  ctx.builder.reserve(seq);
  ctx.builder.reserve(last);
  const outputs = node.params.returnSequences ? [seq] : ["", last];
  ctx.builder.node("LSTM", name, [timeMajor, W, R, B], outputs, { hidden_size: attr.int(u) });
  if (!node.params.returnSequences) return ctx.emit("Squeeze", [last, ctx.ints("squeeze_axes", [0])], "nhwc");
  const squeezed = ctx.aux("Squeeze", "sequence", [seq, ctx.ints("squeeze_axes", [1])]);
  return ctx.emit("Transpose", [squeezed], "nhwc", { perm: attr.ints([1, 0, 2]) });
};
