import { activateRange, LINEAR } from "./activate.js";
import type { Compute, KernelArgs } from "./types.js";

/** Elementwise sum of n inputs of one shape, with an optional fused activation. */
export function add({ activation = LINEAR }: KernelArgs<"add">): Compute {
  return {
    run(inputs, out) {
      const n = out.length;
      const [first, ...rest] = inputs;
      out.set(first!);
      for (const x of rest) for (let i = 0; i < n; i++) out[i]! += x[i]!;
      activateRange(out, 0, n, activation);
    },
  };
}
add.fuses = { activation: true };
