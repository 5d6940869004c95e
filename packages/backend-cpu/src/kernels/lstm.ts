import type { Compute, KernelArgs } from "./types.js";

const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));

/**
 * LSTM with Keras's gate order i, f, c, o: z = x_t W + h U + b; c = f*c + i*tanh(z_c); h = o*tanh(c).
 * Returns the last h, or every h with returnSequences.
 */
export function lstm({ node, inputShapes, weight }: KernelArgs<"lstm">): Compute {
  const [T = 0, F = 0] = inputShapes[0] ?? [];
  const u = node.params.units;
  const g4 = 4 * u;
  const kernel = weight("kernel");
  const recurrent = weight("recurrentKernel");
  const bias = weight("bias");
  const seq = node.params.returnSequences;
  return {
    run([x], y, batch) {
      const z = new Float64Array(g4);
      const h = new Float64Array(u);
      const c = new Float64Array(u);
      for (let b = 0; b < batch; b++) {
        h.fill(0);
        c.fill(0);
        for (let t = 0; t < T; t++) {
          for (let j = 0; j < g4; j++) z[j] = bias[j]!;
          const xs = (b * T + t) * F;
          for (let f = 0; f < F; f++) {
            const xv = x![xs + f]!;
            const row = f * g4;
            for (let j = 0; j < g4; j++) z[j]! += xv * kernel[row + j]!;
          }
          for (let k = 0; k < u; k++) {
            const hv = h[k]!;
            const row = k * g4;
            for (let j = 0; j < g4; j++) z[j]! += hv * recurrent[row + j]!;
          }
          for (let k = 0; k < u; k++) {
            const i = sigmoid(z[k]!);
            const f = sigmoid(z[u + k]!);
            const cc = Math.tanh(z[2 * u + k]!);
            const o = sigmoid(z[3 * u + k]!);
            c[k] = f * c[k]! + i * cc;
            h[k] = o * Math.tanh(c[k]!);
          }
          if (seq) for (let k = 0; k < u; k++) y[(b * T + t) * u + k] = h[k]!;
        }
        if (!seq) for (let k = 0; k < u; k++) y[b * u + k] = h[k]!;
      }
    },
  };
}
