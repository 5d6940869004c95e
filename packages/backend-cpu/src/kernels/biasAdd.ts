import type { Compute, KernelArgs } from "./types.js";

export function biasAdd({ weight }: KernelArgs<"biasAdd">): Compute {
  const bias = weight("bias");
  return {
    run([x], y) {
      const b = bias[0]!;
      for (let i = 0; i < y.length; i++) y[i] = x![i]! + b;
    },
  };
}
