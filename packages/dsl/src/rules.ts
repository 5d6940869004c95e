/**
 * The numeric rules a backend's kernels and layers need at run time (window sizes and pads, resize
 * sampling positions), kept free of zod and the rest of the dsl so a browser bundle of tfjs layers
 * can import them alone (`@fusegraph/dsl/rules`). The op definitions re-export them.
 */

/**
 * Output size and pads along one axis; one rule shared by conv, pooling and every backend.
 * `ceilMode` (ONNX/PyTorch) keeps a last partial window as long as it starts inside the input or its
 * left padding; `same` ignores it (ONNX's auto_pad does too). With ceilMode, `after` stays the declared
 * pad: window positions past the padded input are simply absent (never counted by avgPool).
 */
export function windowAxis(
  size: number,
  kernel: number,
  stride: number,
  dilation: number,
  pad: "same" | "valid" | [number, number],
  ceilMode = false,
): { out: number; before: number; after: number } {
  const eff = (kernel - 1) * dilation + 1;
  if (pad === "same") {
    const out = Math.ceil(size / stride);
    const total = Math.max(0, (out - 1) * stride + eff - size);
    const before = Math.floor(total / 2);
    return { out, before, after: total - before };
  }
  const [before, after] = pad === "valid" ? [0, 0] : pad;
  const span = size + before + after - eff;
  if (!ceilMode) return { out: Math.floor(span / stride) + 1, before, after };
  let out = Math.ceil(span / stride) + 1;
  // NOTE: PyTorch decrements once; a loop gives the same result under its pad <= k/2 limit and
  // keeps the rule (every window starts inside the input or its left padding) for larger pads.
  while (out > 0 && (out - 1) * stride >= size + before) out--;
  return { out, before, after };
}

/**
 * Source coordinate along one axis for output index `dst` (input size `n`, output size `m`), the rule
 * every backend follows. Nearest returns an integer index; bilinear a real coordinate in [0, n-1].
 */
export function resizeSource(
  dst: number,
  n: number,
  m: number,
  mode: "nearest" | "bilinear",
  alignCorners: boolean,
): number {
  if (mode === "nearest") return Math.min(n - 1, Math.floor((dst * n) / m));
  if (alignCorners) return m > 1 ? (dst * (n - 1)) / (m - 1) : 0;
  return Math.min(n - 1, Math.max(0, ((dst + 0.5) * n) / m - 0.5));
}
