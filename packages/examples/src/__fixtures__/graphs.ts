import {
  formatIssue,
  type Graph,
  type GraphCost,
  graphCost,
  type SpecDocumentInput,
  SpecError,
  validateSpec,
} from "@fusegraph/dsl";
import { expect } from "vitest";

/** Validates a spec (object or YAML text) and returns its graph; any issue, even a warning, fails the test. */
export function graphOf(spec: SpecDocumentInput | string): Graph {
  const r = validateSpec(spec);
  const issues = r.ok ? r.warnings : r.issues;
  if (!r.ok || issues.length > 0) {
    throw new Error(`spec does not validate cleanly:\n${issues.map((i) => formatIssue(i)).join("\n")}`);
  }
  return r.graph;
}

export function costOf(spec: SpecDocumentInput | string): GraphCost {
  return graphCost(graphOf(spec));
}

/** Trainable params of the nodes whose id starts with `prefix`. */
export function trainableUnder(cost: GraphCost, prefix: string): number {
  return cost.nodes.filter((n) => n.id.startsWith(prefix)).reduce((s, n) => s + n.params.trainable, 0);
}

/** Shape of a node by id, failing loudly when it is missing. */
export function shapeAt(graph: Graph, id: string): readonly number[] {
  const n = graph.nodes.find((x) => x.id === id);
  if (!n) throw new Error(`graph "${graph.name}" has no node "${id}"`);
  return n.shape;
}

/** A conv's parameters: k*k*cin*cout (+ cout with bias). */
export const convParams = (k: number, cin: number, cout: number, bias = false): number =>
  k * k * cin * cout + (bias ? cout : 0);
/** A batchNorm's trainable parameters (gamma, beta). */
export const bnParams = (c: number): number => 2 * c;

/** Asserts that a builder call throws a SpecError whose first issue is `invalid_params` at options.<option>. */
export function expectOptionError(build: () => unknown, option: string): void {
  let thrown: unknown;
  try {
    build();
  } catch (e) {
    thrown = e;
  }
  expect(thrown).toBeInstanceOf(SpecError);
  expect((thrown as SpecError).issues[0]).toMatchObject({
    code: "invalid_params",
    path: ["options", option],
  });
}
