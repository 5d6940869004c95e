/** The rows `rows` (in that order) of a flat [n, ...] array, copied into a new [rows.length, ...] array. */
export function takeRows(data: Float32Array, n: number, rows: ArrayLike<number>): Float32Array {
  const size = n === 0 ? 0 : data.length / n;
  const out = new Float32Array(rows.length * size);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    out.set(data.subarray(r * size, (r + 1) * size), i * size);
  }
  return out;
}
