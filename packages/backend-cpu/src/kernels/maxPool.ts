import { pool2d, poolGeom } from "./pool2d.js";
import type { Compute, KernelArgs } from "./types.js";

export function maxPool({ node, inputShapes }: KernelArgs<"maxPool">): Compute {
  const g = poolGeom(inputShapes[0] ?? [], node.params);
  return { run: ([x], y, batch) => pool2d(x!, y, batch, g, "max", false) };
}
