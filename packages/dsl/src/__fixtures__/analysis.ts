import type { SpecDocumentInput } from "../document/document.js";

/** The success branch of a `Result`, or a throw showing the issues (so the test fails with them). */
export function ok<T extends { ok: boolean }>(r: T): Extract<T, { ok: true }> {
  if (!r.ok) throw new Error(JSON.stringify(r, null, 1));
  return r as Extract<T, { ok: true }>;
}

/** The failure branch of a `Result`, or a throw when the call succeeded. */
export function fails<T extends { ok: boolean }>(r: T): Extract<T, { ok: false }> {
  if (r.ok) throw new Error("expected issues, the call succeeded");
  return r as Extract<T, { ok: false }>;
}

/** Two [14,14,256] inputs summed, then a 3x3 conv with 256 filters (padding same). */
export const addThenConv: SpecDocumentInput = {
  fusegraph: 1,
  name: "add-conv",
  inputs: { a: [14, 14, 256], b: [14, 14, 256] },
  nodes: {
    sum: { merge: "add", inputs: ["a", "b"] },
    conv: { op: "conv2d", input: "sum", filters: 256, kernelSize: 3, padding: "same" },
  },
  outputs: ["conv"],
};
