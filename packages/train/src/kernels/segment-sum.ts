/**
 * out[s, i] = sum of x[n, i] over every n with ids[n] == s; ids outside [0, numSegments) are dropped
 * (TensorFlow's rule). x is [ids.length, inner] flat; out is [numSegments, inner] flat.
 */
export function unsortedSegmentSum(
  x: ArrayLike<number>,
  ids: ArrayLike<number>,
  numSegments: number,
  out: Float32Array | Int32Array,
): void {
  const inner = ids.length === 0 ? 0 : x.length / ids.length;
  out.fill(0);
  for (let n = 0; n < ids.length; n++) {
    const s = ids[n]!;
    if (s < 0 || s >= numSegments) continue;
    const src = n * inner;
    const dst = s * inner;
    for (let i = 0; i < inner; i++) out[dst + i]! += x[src + i]!;
  }
}
