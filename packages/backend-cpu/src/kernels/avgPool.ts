import { pool2d, poolGeom } from "./pool2d.js";
import type { Compute, KernelArgs } from "./types.js";

export function avgPool({ node, inputShapes }: KernelArgs<"avgPool">): Compute {
  const g = poolGeom(inputShapes[0] ?? [], node.params);
  const countPad = node.params.countIncludePad;
  return { run: ([x], y, batch) => pool2d(x!, y, batch, g, "avg", countPad) };
}
