import type { GraphNodeOf } from "@fusegraph/dsl";
import type { Fuses, KernelTable } from "../kernels/types.js";
import type { CoreNode } from "./expand.js";

/** One step of the executor: a node whose kernel runs, and the following nodes that kernel takes over. */
export interface FusedNode {
  /** The node whose kernel runs. */
  node: CoreNode;
  /** A following batchNorm, folded into the kernel. */
  batchNorm?: GraphNodeOf<"batchNorm">;
  /** The other summand of a following two-input add, given to the kernel as input 1. */
  residual?: string;
  /** A following elementwise activation, applied by the kernel to its output. */
  activation?: GraphNodeOf<"activation">;
  /** Ids of the nodes the step computes, `node` first; the last is the value it writes. */
  covers: readonly string[];
  /** Position of that last node in the expanded order; steps run in this order. */
  at: number;
}

const NONE: Fuses = {};

/**
 * Groups the expanded nodes into steps: each node heads a step unless an earlier kernel took it over.
 * A kernel takes over what its table entry's `fuses` allows, in this order: the batchNorm that alone
 * reads its output, then an add that alone reads the result (the first chain to reach an add takes it;
 * the other summand stays a real value), then an activation (softmax excepted). Graph outputs and
 * values read more than once are never fused away, and `fuse: false` fuses nothing.
 */
export function planFusion(
  nodes: readonly CoreNode[],
  outputs: readonly string[],
  table: KernelTable,
  fuse: boolean,
): FusedNode[] {
  const consumers = new Map<string, CoreNode[]>();
  for (const n of nodes) for (const i of n.inputs) consumers.set(i, [...(consumers.get(i) ?? []), n]);
  const isOutput = new Set(outputs);
  const index = new Map(nodes.map((n, i) => [n.id, i]));
  const sole = (id: string): CoreNode | undefined => {
    const c = consumers.get(id);
    return fuse && !isOutput.has(id) && c?.length === 1 ? c[0] : undefined;
  };
  const taken = new Set<string>();
  const steps: FusedNode[] = [];
  for (const node of nodes) {
    if (taken.has(node.id)) continue;
    const fuses = table[node.kind].fuses ?? NONE;
    const step: FusedNode = { node, covers: [node.id], at: index.get(node.id)! };
    const cover = (next: CoreNode) => {
      taken.add(next.id);
      step.covers = [...step.covers, next.id];
      step.at = index.get(next.id)!;
    };
    const last = () => step.covers[step.covers.length - 1]!;
    const bn = fuses.batchNorm ? sole(last()) : undefined;
    if (bn?.kind === "batchNorm") {
      step.batchNorm = bn;
      cover(bn);
    }
    const sum = fuses.residual ? sole(last()) : undefined;
    if (
      sum?.kind === "add" &&
      !taken.has(sum.id) &&
      sum.inputs.length === 2 &&
      sum.inputs[0] !== sum.inputs[1]
    ) {
      step.residual = sum.inputs[0] === last() ? sum.inputs[1] : sum.inputs[0];
      cover(sum);
    }
    const act = fuses.activation ? sole(last()) : undefined;
    if (act?.kind === "activation" && act.params.fn !== "softmax") {
      step.activation = act;
      cover(act);
    }
    steps.push(step);
  }
  return steps.sort((a, b) => a.at - b.at);
}
