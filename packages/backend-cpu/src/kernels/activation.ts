import { activateRange, fusedActivation } from "./activate.js";
import type { Compute, KernelArgs } from "./types.js";

/** Numerically stable softmax over one axis: subtract the max, exponentiate, normalise. */
function softmax(x: Float32Array, y: Float32Array, outer: number, len: number, inner: number): void {
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * len * inner + i;
      let max = Number.NEGATIVE_INFINITY;
      for (let a = 0; a < len; a++) {
        const v = x[base + a * inner]!;
        if (v > max || Number.isNaN(v)) max = v;
      }
      let sum = 0;
      for (let a = 0; a < len; a++) {
        const e = Math.exp(x[base + a * inner]! - max);
        y[base + a * inner] = e;
        sum += e;
      }
      for (let a = 0; a < len; a++) y[base + a * inner]! /= sum;
    }
  }
}

export function activation({ node, inputShapes }: KernelArgs<"activation">): Compute {
  const p = node.params;
  if (p.fn === "softmax") {
    const shape = inputShapes[0] ?? [];
    const axis = p.axis < 0 ? p.axis + shape.length : p.axis;
    const len = shape[axis] ?? 1;
    let inner = 1;
    for (let i = axis + 1; i < shape.length; i++) inner *= shape[i]!;
    return {
      run([x], y) {
        softmax(x!, y, y.length / (len * inner), len, inner);
      },
    };
  }
  const act = fusedActivation(p);
  return {
    run([x], y) {
      y.set(x!);
      activateRange(y, 0, y.length, act);
    },
  };
}
