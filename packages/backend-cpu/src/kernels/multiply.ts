import type { Compute, KernelArgs } from "./types.js";

export function multiply(_args: KernelArgs<"multiply">): Compute {
  return {
    run(inputs, out) {
      const [first, ...rest] = inputs;
      out.set(first!);
      for (const x of rest) for (let i = 0; i < out.length; i++) out[i]! *= x[i]!;
    },
  };
}
