import type { BatchNormParams } from "@fusegraph/dsl";
import { LINEAR } from "./activate.js";
import type { Compute, FoldedBatchNorm, KernelArgs } from "./types.js";

/** Inference batchNorm as a per-channel affine map x * scale + shift, from the moving statistics. */
export function batchNormAffine(p: BatchNormParams, weight: (name: string) => Float32Array): FoldedBatchNorm {
  const mean = weight("movingMean");
  const variance = weight("movingVariance");
  const gamma = p.scale ? weight("gamma") : undefined;
  const beta = p.center ? weight("beta") : undefined;
  const scale = new Float32Array(mean.length);
  const shift = new Float32Array(mean.length);
  for (let c = 0; c < mean.length; c++) {
    const s = (gamma ? gamma[c]! : 1) / Math.sqrt(variance[c]! + p.epsilon);
    scale[c] = s;
    shift[c] = (beta ? beta[c]! : 0) - mean[c]! * s;
  }
  return { scale, shift };
}

/** Inference batchNorm over the last axis with the moving statistics, plus an optional fused activation. */
export function batchNorm({ node, weight, activation = LINEAR, wasm }: KernelArgs<"batchNorm">): Compute {
  const { scale, shift } = batchNormAffine(node.params, weight);
  const c = scale.length;
  const { code, alpha } = activation;
  // The WebAssembly SIMD loop takes linear, relu and leakyRelu on buffers in its memory (the arena).
  const onWasm = wasm && code <= 2 ? wasm : undefined;
  const sPtr = onWasm?.heap.alloc(c) ?? -1;
  const tPtr = onWasm?.heap.alloc(c) ?? -1;
  if (onWasm) {
    onWasm.heap.floats(sPtr, c).set(scale);
    onWasm.heap.floats(tPtr, c).set(shift);
  }
  return {
    run([x], y) {
      const xPtr = onWasm?.heap.offsetOf(x!) ?? -1;
      const yPtr = onWasm?.heap.offsetOf(y) ?? -1;
      if (onWasm && xPtr >= 0 && yPtr >= 0) {
        onWasm.exports.affine(xPtr, yPtr, sPtr, tPtr, y.length / c, c, code, alpha);
        return;
      }
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
batchNorm.fuses = { activation: true };
