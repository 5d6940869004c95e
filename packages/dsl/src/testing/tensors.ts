import type { Graph } from "../graph/graph.js";
import { numel } from "../shape.js";
import type { TensorData } from "../weights/tensor.js";

/** Deterministic pseudo-random values in [-1, 1) (mulberry32): the inputs every backend's tests share. */
export function randomData(n: number, seed: number): Float32Array {
  let a = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1;
  }
  return out;
}

/** Deterministic random inputs keyed by input id: `batch` examples each, input k seeded `seed + k`. */
export function randomInputs(graph: Graph, seed: number, batch = 1): Record<string, TensorData> {
  return Object.fromEntries(
    graph.inputs.map((i, k) => {
      const shape = [batch, ...i.shape];
      return [i.id, { shape, data: randomData(numel(shape), seed + k) }];
    }),
  );
}

/**
 * The backends' agreement measure: max |got - want| / max(1, max |want|). A length mismatch or a NaN
 * anywhere is +Infinity, so it fails every "below tolerance" check instead of comparing as "not larger".
 */
export function relError(got: ArrayLike<number>, want: ArrayLike<number>): number {
  if (got.length !== want.length) return Number.POSITIVE_INFINITY;
  let diff = 0;
  let scale = 1;
  for (let i = 0; i < want.length; i++) {
    const d = Math.abs((got[i] ?? Number.NaN) - (want[i] ?? Number.NaN));
    if (Number.isNaN(d)) return Number.POSITIVE_INFINITY;
    diff = Math.max(diff, d);
    scale = Math.max(scale, Math.abs(want[i] ?? 0));
  }
  return diff / scale;
}
