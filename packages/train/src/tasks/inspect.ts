import { formatShape, type Graph, type GraphInput, shapeOf } from "@fusegraph/dsl";
import type { TaskIssue } from "./types.js";

/** What an output's last op makes of its values: probabilities (sigmoid/softmax) or raw scores. */
export type OutputHead = "sigmoid" | "softmax" | "logits";

export interface OutputInfo {
  readonly id: string;
  readonly index: number;
  readonly shape: readonly number[];
  readonly head: OutputHead;
}

export function mismatch(
  path: (string | number)[],
  message: string,
  expected: string,
  received: string,
  hint: string,
  nodeId?: string,
): TaskIssue {
  return {
    code: "task_mismatch",
    severity: "error",
    path,
    message,
    expected,
    received,
    hint,
    ...(nodeId === undefined ? {} : { nodeId }),
  };
}

export const shapeText = (s: readonly number[]): string => formatShape(s);

/**
 * The graph's only input, if it has rank `rank`; otherwise an issue. A task feeds one tensor, so
 * multi-input specs (e.g. lstm-cell's unrolled steps) do not fit.
 */
export function singleInput(
  graph: Graph,
  task: string,
  rank: number,
  what: string,
  hint: string,
): GraphInput | TaskIssue {
  const inputs = graph.inputs ?? [];
  if (inputs.length !== 1) {
    return mismatch(
      ["inputs"],
      `task "${task}" feeds one input; the spec has ${inputs.length} (${inputs.map((i) => i.id).join(", ") || "none"})`,
      `one ${what}`,
      `${inputs.length} inputs`,
      hint,
    );
  }
  const input = inputs[0]!;
  const shape = Array.isArray(input.shape) ? input.shape : [];
  if (shape.length !== rank || !shape.every((d) => Number.isInteger(d) && d > 0)) {
    return mismatch(
      ["inputs", input.id],
      `task "${task}": input "${input.id}" has shape ${shapeText(shape)}, expected ${what}`,
      what,
      shapeText(shape),
      hint,
    );
  }
  return input;
}

/** Every output with its shape and head; an output the graph cannot resolve is skipped (validation reports it). */
export function outputInfos(graph: Graph): OutputInfo[] {
  const out: OutputInfo[] = [];
  const nodes = new Map((graph.nodes ?? []).map((n) => [n.id, n]));
  (graph.outputs ?? []).forEach((id, index) => {
    const shape = shapeOf(graph, id);
    if (!shape) return;
    const node = nodes.get(id);
    let head: OutputHead = "logits";
    if (node?.kind === "activation") {
      if (node.params.fn === "sigmoid") head = "sigmoid";
      // Softmax over any axis but channels is not a class distribution per position: treat as raw scores.
      else if (node.params.fn === "softmax") {
        const axis = node.params.axis < 0 ? node.params.axis + shape.length : node.params.axis;
        if (axis === shape.length - 1) head = "softmax";
      }
    }
    out.push({ id, index, shape, head });
  });
  return out;
}

export function isError(x: GraphInput | TaskIssue): x is TaskIssue {
  return (x as TaskIssue).code === "task_mismatch";
}
