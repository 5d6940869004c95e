import { globalPool } from "./globalAvgPool.js";
import type { Compute, KernelArgs } from "./types.js";

export function globalMaxPool({ inputShapes }: KernelArgs<"globalMaxPool">): Compute {
  const [h = 0, w = 0, c = 0] = inputShapes[0] ?? [];
  return { run: ([x], y, batch) => globalPool(x!, y, batch, h * w, c, true) };
}
