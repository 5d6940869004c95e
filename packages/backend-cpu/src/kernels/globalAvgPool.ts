import type { Compute, KernelArgs } from "./types.js";

/** Mean (or max) over H and W for each example and channel. */
export function globalPool(
  x: Float32Array,
  y: Float32Array,
  batch: number,
  hw: number,
  c: number,
  max: boolean,
): void {
  const acc = new Float64Array(c);
  for (let b = 0; b < batch; b++) {
    acc.fill(max ? Number.NEGATIVE_INFINITY : 0);
    for (let p = 0; p < hw; p++) {
      const s = (b * hw + p) * c;
      if (max) {
        for (let j = 0; j < c; j++) {
          const v = x[s + j]!;
          if (v > acc[j]! || Number.isNaN(v)) acc[j] = v;
        }
      } else for (let j = 0; j < c; j++) acc[j]! += x[s + j]!;
    }
    for (let j = 0; j < c; j++) y[b * c + j] = max ? acc[j]! : acc[j]! / hw;
  }
}

export function globalAvgPool({ inputShapes }: KernelArgs<"globalAvgPool">): Compute {
  const [h = 0, w = 0, c = 0] = inputShapes[0] ?? [];
  return { run: ([x], y, batch) => globalPool(x!, y, batch, h * w, c, false) };
}
