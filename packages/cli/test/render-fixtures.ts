import { type Graph, type ParseOptions, validateSpec } from "@fusegraph/dsl";

/** Validates a spec (text or document) or throws with its issues: test input must be valid. */
export function graphOf(source: Parameters<typeof validateSpec>[0], opts?: ParseOptions): Graph {
  const r = validateSpec(source, opts);
  if (!r.ok) throw new Error(r.issues.map((i) => i.message).join("\n"));
  return r.graph;
}

/** Every merge mode once or twice, a repeated block (two instances), two outputs. */
export const FOUR_MERGES = `
fusegraph: 1
name: four-merges
inputs:
  x: [8, 8, 4]
blocks:
  res:
    nodes:
      c: { op: conv2d, input: x, filters: 4, kernelSize: 3, padding: 1 }
      sum: { merge: add, inputs: [c, x] }
    output: sum
nodes:
  a: { op: conv2d, input: x, filters: 4, kernelSize: 1 }
  b: { op: conv2d, input: x, filters: 8, kernelSize: 1 }
  r: { use: res, input: a, repeat: 2 }
  cat: { merge: concat, inputs: [r, b] }
  wsum: { merge: weightedAdd, inputs: [a, r], normalize: relu }
  proj: { merge: conv1x1Add, inputs: [cat, wsum], channels: 8 }
outputs: [proj, wsum]
`;
