import type { FusedActivation } from "./types.js";

export const LINEAR: FusedActivation = { code: 0, alpha: 0 };

/** Applies a fused activation in place over [from, to). NaN stays NaN. */
export function activateRange(y: Float32Array, from: number, to: number, act: FusedActivation): void {
  const { code, alpha } = act;
  if (code === 1) for (let i = from; i < to; i++) y[i] = Math.max(y[i]!, 0);
  else if (code === 2) for (let i = from; i < to; i++) y[i] = y[i]! < 0 ? alpha * y[i]! : y[i]!;
  else if (code === 3) for (let i = from; i < to; i++) y[i] = 1 / (1 + Math.exp(-y[i]!));
  else if (code === 4) for (let i = from; i < to; i++) y[i] = Math.tanh(y[i]!);
}
