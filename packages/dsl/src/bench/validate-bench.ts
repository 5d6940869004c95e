import { graphCost } from "../costs/cost.js";
import type { SpecDocumentInput } from "../document/document.js";
import { parseSpec } from "../document/parse-spec.js";
import { validateSpec } from "../validate.js";

/**
 * A 1,000-node spec as YAML text: a stem conv, then 333 residual units (conv, batchNorm, add) at
 * 16x16x32, written out flat so the benchmark measures validation, not block expansion.
 */
export function benchSpec(nodes = 1_000): string {
  const out = [
    "fusegraph: 1",
    "name: bench",
    "inputs: { x: [16, 16, 3] }",
    "nodes:",
    "  stem: { op: conv2d, input: x, filters: 32, kernelSize: 3, padding: same }",
  ];
  let prev = "stem";
  let k = 0;
  while (out.length - 4 + 3 <= nodes) {
    out.push(`  c${k}: { op: conv2d, input: ${prev}, filters: 32, kernelSize: 3, padding: same }`);
    out.push(`  b${k}: { op: batchNorm, input: c${k} }`);
    out.push(`  r${k}: { merge: add, inputs: [b${k}, ${prev}] }`);
    prev = `r${k}`;
    k++;
  }
  out.push(`outputs: [${prev}]`);
  return `${out.join("\n")}\n`;
}

/** Median of `runs` timed calls of `fn` after one warm-up, in milliseconds. */
function median(fn: () => void, runs: number): number {
  fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const mid = times.length >> 1;
  return times.length % 2 === 1 ? times[mid]! : ((times[mid - 1] ?? 0) + (times[mid] ?? 0)) / 2;
}

function validateAndCost(input: string | SpecDocumentInput): void {
  const r = validateSpec(input);
  if (!r.ok) throw new Error(`benchmark spec is invalid: ${r.issues[0]?.message ?? ""}`);
  graphCost(r.graph);
}

/**
 * Median wall time in milliseconds for a 1,000-node spec: `fromText` includes reading the YAML (the
 * subset reader; line:column are only computed when there are issues, see bench/parse.ts),
 * `fromDocument` is validate + shape inference + cost of the already-parsed document, the figure the
 * issue's 50 ms goal is about. Not part of the test suite.
 */
export function runValidateBench(runs = 15): { fromText: number; fromDocument: number } {
  const text = benchSpec();
  const parsed = parseSpec(text);
  if (!parsed.ok) throw new Error("benchmark spec does not parse");
  const doc = parsed.doc as SpecDocumentInput;
  return {
    fromText: median(() => validateAndCost(text), runs),
    fromDocument: median(() => validateAndCost(doc), runs),
  };
}
