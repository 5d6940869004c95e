import { copyInput } from "./flatten.js";
import type { Compute, KernelArgs } from "./types.js";

/** Identity at inference (the planner aliases it to its input instead of running this). */
export function dropout(_args: KernelArgs<"dropout">): Compute {
  return copyInput();
}
