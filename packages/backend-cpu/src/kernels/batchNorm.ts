import { LINEAR } from "./activate.js";
import type { Compute, KernelArgs } from "./types.js";

/** Inference batchNorm over the last axis with the moving statistics, plus an optional fused activation. */
export function batchNorm({ node, weight, activation = LINEAR }: KernelArgs<"batchNorm">): Compute {
  const p = node.params;
  const mean = weight("movingMean");
  const variance = weight("movingVariance");
  const gamma = p.scale ? weight("gamma") : undefined;
  const beta = p.center ? weight("beta") : undefined;
  const c = mean.length;
  const scale = new Float32Array(c);
  const shift = new Float32Array(c);
  for (let i = 0; i < c; i++) {
    scale[i] = (gamma ? gamma[i]! : 1) / Math.sqrt(variance[i]! + p.epsilon);
    shift[i] = (beta ? beta[i]! : 0) - mean[i]! * scale[i]!;
  }
  const { code, alpha } = activation;
  return {
    run([x], y) {
      for (let i = 0; i < y.length; i += c) {
        for (let j = 0; j < c; j++) {
          let v = x![i + j]! * scale[j]! + shift[j]!;
          if (code === 1) v = Math.max(v, 0);
          else if (code === 2) v = v < 0 ? alpha * v : v;
          else if (code === 3) v = 1 / (1 + Math.exp(-v));
          else if (code === 4) v = Math.tanh(v);
          y[i + j] = v;
        }
      }
    },
  };
}
