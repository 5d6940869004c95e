import { poolStrides, poolWindow, toPair } from "@fusegraph/dsl";
import { type PoolGeom, pool2d } from "./pool2d.js";
import type { Compute, KernelArgs } from "./types.js";

export function poolGeom(shape: readonly number[], p: Parameters<typeof poolWindow>[1]): PoolGeom {
  const [H = 0, W = 0, C = 0] = shape;
  const { outH, outW, pads } = poolWindow(shape, p);
  const [kh, kw] = toPair(p.poolSize);
  const [sh, sw] = toPair(poolStrides(p));
  const [dh, dw] = toPair(p.dilation);
  return { H, W, C, outH, outW, kh, kw, sh, sw, dh, dw, pads };
}

export function maxPool({ node, inputShapes }: KernelArgs<"maxPool">): Compute {
  const g = poolGeom(inputShapes[0] ?? [], node.params);
  return { run: ([x], y, batch) => pool2d(x!, y, batch, g, "max", false) };
}
