import type { Shape } from "@fusegraph/dsl";

/**
 * Where an example axis lives in the PyTorch tensor. An example of rank 3 ([H, W, C] in fusegraph) is
 * NCHW inside the module, so convs and pools take it as PyTorch expects; every other rank keeps
 * fusegraph's order behind the batch axis ([T, F] -> [N, T, F]).
 */
export function torchDim(rank: number, axis: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (rank === 3) return [2, 3, 1][a] ?? a + 1;
  return a + 1;
}

/** Whether an example of this shape is held as NCHW. */
export function isImage(shape: Shape): boolean {
  return shape.length === 3;
}
