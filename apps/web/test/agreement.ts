/** One row of the agreement table: a model on a backend, loaded one way, against backend-cpu. */
export interface AgreementRow {
  model: string;
  backend: string;
  /** `trainable` (through @fusegraph/backend-tfjs/layers) or `portable` (plain @tensorflow/tfjs). */
  format: string;
  /** max over outputs of max|Δ| / max|ref|. */
  maxRelError: number;
  maxAbsError: number;
}

/**
 * max|got - want| and that over max|want|, the error relative to the output's scale. A length
 * mismatch, NaN or a zero reference with a nonzero difference gives Infinity, never a pass.
 */
export function relativeError(
  got: ArrayLike<number>,
  want: ArrayLike<number>,
): { abs: number; rel: number; scale: number } {
  if (got.length !== want.length)
    return { abs: Number.POSITIVE_INFINITY, rel: Number.POSITIVE_INFINITY, scale: 0 };
  let abs = 0;
  let scale = 0;
  for (let i = 0; i < want.length; i++) {
    abs = Math.max(abs, Math.abs(got[i]! - want[i]!));
    scale = Math.max(scale, Math.abs(want[i]!));
  }
  if (!Number.isFinite(abs + scale))
    return { abs: Number.POSITIVE_INFINITY, rel: Number.POSITIVE_INFINITY, scale };
  return { abs, rel: scale > 0 ? abs / scale : abs === 0 ? 0 : Number.POSITIVE_INFINITY, scale };
}

/** The table as aligned text: one line per model and format, one column per backend. */
export function formatAgreement(rows: readonly AgreementRow[], backends: readonly string[]): string {
  const keys = [...new Set(rows.map((r) => `${r.model} ${r.format}`))];
  const cell = (key: string, backend: string) => {
    const r = rows.find((x) => `${x.model} ${x.format}` === key && x.backend === backend);
    return r ? r.maxRelError.toExponential(2) : "-";
  };
  const header = ["model format", ...backends];
  const body = keys.map((k) => [k, ...backends.map((b) => cell(k, b))]);
  const widths = header.map((_, i) => Math.max(...[header, ...body].map((row) => row[i]!.length)));
  return [header, ...body].map((row) => row.map((c, i) => c.padEnd(widths[i]!)).join("  ")).join("\n");
}
