/**
 * NaN and ±Infinity as a first-class condition: counted by kind and located by index, so every command
 * can say how many there are and where the first one is instead of letting them vanish into a min,
 * a max or an error of 0.
 */

/** How many values of a tensor are NaN, +Infinity and -Infinity. */
export interface NonFiniteCounts {
  nan: number;
  posInf: number;
  negInf: number;
}

export interface NonFiniteScan extends NonFiniteCounts {
  /** Flat (C-order) index of the first non-finite value; null when every value is finite. */
  first: number | null;
}

export type ValueKind = "finite" | "nan" | "posInf" | "negInf";

export function valueKind(x: number): ValueKind {
  if (Number.isFinite(x)) return "finite";
  if (Number.isNaN(x)) return "nan";
  return x > 0 ? "posInf" : "negInf";
}

export function noNonFinite(): NonFiniteCounts {
  return { nan: 0, posInf: 0, negInf: 0 };
}

/** Adds one value to the counts; a finite value changes nothing. */
export function countValue(counts: NonFiniteCounts, x: number): void {
  const kind = valueKind(x);
  if (kind !== "finite") counts[kind]++;
}

export function scanNonFinite(data: ArrayLike<number>): NonFiniteScan {
  const scan: NonFiniteScan = { ...noNonFinite(), first: null };
  for (let k = 0; k < data.length; k++) {
    const x = data[k]!;
    if (Number.isFinite(x)) continue;
    countValue(scan, x);
    scan.first ??= k;
  }
  return scan;
}

export function totalNonFinite(c: NonFiniteCounts): number {
  return c.nan + c.posInf + c.negInf;
}

/** `12 NaN, 1 +Infinity`, zero kinds left out; `none` when all are zero. */
export function formatNonFinite(c: NonFiniteCounts): string {
  const parts = [
    c.nan > 0 ? `${c.nan} NaN` : "",
    c.posInf > 0 ? `${c.posInf} +Infinity` : "",
    c.negInf > 0 ? `${c.negInf} -Infinity` : "",
  ].filter((s) => s !== "");
  return parts.length > 0 ? parts.join(", ") : "none";
}

/** The multi-index of flat (C-order) index `flat` in a tensor of `shape`. */
export function unravelIndex(flat: number, shape: readonly number[]): number[] {
  const index = new Array<number>(shape.length).fill(0);
  let rest = flat;
  for (let d = shape.length - 1; d >= 0; d--) {
    const n = shape[d]!;
    index[d] = n > 0 ? rest % n : 0;
    rest = n > 0 ? Math.floor(rest / n) : 0;
  }
  return index;
}

export function formatIndex(index: readonly number[]): string {
  return `[${index.join(",")}]`;
}

/** A value as JSON can hold it: finite numbers as they are, the rest as "NaN", "Infinity", "-Infinity". */
export function jsonValue(x: number): number | string {
  return Number.isFinite(x) ? x : String(x);
}

/** A value in a message: 6 significant digits, or NaN / Infinity / -Infinity. */
export function formatValue(x: number): string {
  return Number.isFinite(x) ? String(Number(x.toPrecision(6))) : String(x);
}
