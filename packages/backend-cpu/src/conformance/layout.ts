import { numel, type TensorData } from "@fusegraph/dsl";

/**
 * Layout changes between ONNX tensors (NCHW, [seq, batch, features]) and fusegraph's channels-last,
 * batch-first tensors. Pure data movement: a permutation or a reshape, never arithmetic.
 */

/** `out.shape[i] = t.shape[perm[i]]`, elements moved accordingly (numpy's transpose). */
export function permute(t: TensorData, perm: readonly number[]): TensorData {
  const rank = t.shape.length;
  if (perm.length !== rank || [...perm].sort((a, b) => a - b).some((p, i) => p !== i)) {
    throw new RangeError(`permutation [${perm.join(",")}] does not fit a rank-${rank} tensor`);
  }
  const shape = perm.map((p) => t.shape[p] as number);
  const inStrides = new Array<number>(rank).fill(1);
  for (let i = rank - 2; i >= 0; i--)
    inStrides[i] = (inStrides[i + 1] as number) * (t.shape[i + 1] as number);
  const strides = perm.map((p) => inStrides[p] as number);
  const out = new Float32Array(t.data.length);
  const idx = new Array<number>(rank).fill(0);
  for (let o = 0; o < out.length; o++) {
    let src = 0;
    for (let i = 0; i < rank; i++) src += (idx[i] as number) * (strides[i] as number);
    out[o] = t.data[src] as number;
    for (let i = rank - 1; i >= 0; i--) {
      idx[i] = (idx[i] as number) + 1;
      if ((idx[i] as number) < (shape[i] as number)) break;
      idx[i] = 0;
    }
  }
  return { shape, data: out };
}

/** Same elements, new dims; the element count must not change. */
export function reshape(t: TensorData, shape: readonly number[]): TensorData {
  if (numel(shape) !== t.data.length) {
    throw new RangeError(`cannot reshape [${t.shape.join(",")}] to [${shape.join(",")}]`);
  }
  return { shape: [...shape], data: t.data };
}

/** Moves axis 1 (ONNX's channels) last: NCHW -> NHWC, [N,C,L] -> [N,L,C]. */
export function channelsLast(t: TensorData): TensorData {
  const r = t.shape.length;
  return r < 3 ? t : permute(t, [0, ...Array.from({ length: r - 2 }, (_, i) => i + 2), 1]);
}

/** Inverse of {@link channelsLast}: NHWC -> NCHW. */
export function channelsFirst(t: TensorData): TensorData {
  const r = t.shape.length;
  return r < 3 ? t : permute(t, [0, r - 1, ...Array.from({ length: r - 2 }, (_, i) => i + 1)]);
}

/** Largest |a-b| and whether every element is within `atol + rtol*|expected|`. */
export function compareTensors(
  actual: TensorData,
  expected: TensorData,
  tol: { atol: number; rtol: number },
): { sameShape: boolean; maxAbsError: number; withinTolerance: boolean } {
  const sameShape =
    actual.shape.length === expected.shape.length && actual.shape.every((d, i) => d === expected.shape[i]);
  if (!sameShape || actual.data.length !== expected.data.length) {
    return { sameShape: false, maxAbsError: Number.POSITIVE_INFINITY, withinTolerance: false };
  }
  let maxAbsError = 0;
  let withinTolerance = true;
  for (let i = 0; i < expected.data.length; i++) {
    const e = expected.data[i] as number;
    const a = actual.data[i] as number;
    const err = Math.abs(a - e);
    // NaN in either tensor fails: `err > …` is false for NaN, so test the complement.
    if (!(err <= tol.atol + tol.rtol * Math.abs(e))) withinTolerance = false;
    if (!(err <= maxAbsError)) maxAbsError = Number.isNaN(err) ? Number.POSITIVE_INFINITY : err;
  }
  return { sameShape, maxAbsError, withinTolerance };
}
