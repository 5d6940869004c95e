import type { WeightMap } from "@fusegraph/dsl";

/** A weight holding NaN or ±Infinity: how many of each, and where the first one is. */
export interface NonFiniteWeight {
  /** `nodeId/weightName`, as in the weight map and the manifest. */
  name: string;
  shape: number[];
  nan: number;
  posInf: number;
  negInf: number;
  /** Flat (C-order) index of the first non-finite value. */
  first: number;
}

/**
 * The weights that hold NaN or ±Infinity, in map order; empty when every value is finite. Loading and
 * running never refuse such weights (a model may be inspected or debugged with them), so callers use
 * this to warn or refuse as they see fit.
 */
export function nonFiniteWeights(weights: WeightMap): NonFiniteWeight[] {
  const found: NonFiniteWeight[] = [];
  for (const [name, t] of weights) {
    let entry: NonFiniteWeight | undefined;
    const data = t.data;
    for (let k = 0; k < data.length; k++) {
      const x = data[k]!;
      if (Number.isFinite(x)) continue;
      entry ??= { name, shape: [...t.shape], nan: 0, posInf: 0, negInf: 0, first: k };
      if (Number.isNaN(x)) entry.nan++;
      else if (x > 0) entry.posInf++;
      else entry.negInf++;
    }
    if (entry) found.push(entry);
  }
  return found;
}
