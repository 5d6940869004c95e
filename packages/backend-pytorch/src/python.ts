/** Python literals for the values a spec holds (numbers, booleans, tuples, strings). */

export type PyValue = number | boolean | string | null | readonly PyValue[];

/** A Python literal: `True`, `0.001`, `(3, 3)`, `"nearest"`, `[0.5, 0.5]` (arrays become lists). */
export function py(v: PyValue): string {
  if (v === null) return "None";
  if (typeof v === "boolean") return v ? "True" : "False";
  if (typeof v === "number") {
    if (!Number.isFinite(v)) return v > 0 ? 'float("inf")' : v < 0 ? 'float("-inf")' : 'float("nan")';
    return String(v);
  }
  if (typeof v === "string") return JSON.stringify(v);
  return `[${v.map(py).join(", ")}]`;
}

/** A pair as PyTorch takes it: one int when both are equal, else a tuple. */
export function pyPair(a: number, b: number): string {
  return a === b ? String(a) : `(${a}, ${b})`;
}

/** A tuple literal: `(1, 2)`, `(1,)`, `()`. */
export function pyTuple(values: readonly number[]): string {
  return values.length === 1 ? `(${values[0]},)` : `(${values.join(", ")})`;
}
