import type { ActivationParams } from "@fusegraph/dsl";
import type { FusedActivation } from "./types.js";

export const LINEAR: FusedActivation = { code: 0, alpha: 0 };

const CODES = { relu: 1, leakyRelu: 2, sigmoid: 3, tanh: 4 } as const;

/** The fused form of an elementwise activation (softmax spans an axis, so it has none). */
export function fusedActivation(p: Exclude<ActivationParams, { fn: "softmax" }>): FusedActivation {
  return { code: CODES[p.fn], alpha: p.fn === "leakyRelu" ? p.alpha : 0 };
}

/** Applies a fused activation in place over [from, to). NaN stays NaN. */
export function activateRange(y: Float32Array, from: number, to: number, act: FusedActivation): void {
  const { code, alpha } = act;
  if (code === 1) for (let i = from; i < to; i++) y[i] = Math.max(y[i]!, 0);
  else if (code === 2) for (let i = from; i < to; i++) y[i] = y[i]! < 0 ? alpha * y[i]! : y[i]!;
  else if (code === 3) for (let i = from; i < to; i++) y[i] = 1 / (1 + Math.exp(-y[i]!));
  else if (code === 4) for (let i = from; i < to; i++) y[i] = Math.tanh(y[i]!);
}
