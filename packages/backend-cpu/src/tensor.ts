import { numel, type TensorData } from "@fusegraph/dsl";

export type { TensorData } from "@fusegraph/dsl";

/** A tensor of the given shape filled with zeros (or with `data`, which must match in size). */
export function tensor(shape: readonly number[], data?: ArrayLike<number>): TensorData {
  const n = numel(shape);
  const out = new Float32Array(n);
  if (data) {
    if (data.length !== n)
      throw new RangeError(`tensor of shape [${shape.join(",")}] needs ${n} values, got ${data.length}`);
    out.set(data);
  }
  return { shape: [...shape], data: out };
}

/** A Float32Array whose memory worker threads can read and write. */
export function sharedFloats(n: number): Float32Array {
  return new Float32Array(new SharedArrayBuffer(Math.max(1, n) * 4), 0, n);
}
