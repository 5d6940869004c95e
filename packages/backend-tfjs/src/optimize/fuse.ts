import type { GraphNode } from "@fusegraph/dsl";
import { type FusedActivation, fusedActivationOf } from "./activation.js";

/** Which producers apply an activation themselves, and which activation nodes are thereby their output. */
export interface ActivationPlan {
  /** Producer id -> the activation its layer applies. */
  activation: ReadonlyMap<string, FusedActivation>;
  /** Fused activation node id -> the producer whose layer's output it now is. */
  aliasOf: ReadonlyMap<string, string>;
}

export interface ActivationPlanOptions {
  /**
   * The node whose output is the producer's final value: the producer itself, or (portable target) the
   * last node folded into it. An activation fuses when it alone reads that node.
   */
  chainEnd: (producer: GraphNode) => string;
  /** Whether the target lowers this producer to one built-in layer that can take an `activation`. */
  canFuse: (producer: GraphNode) => boolean;
}

/**
 * Plans activation fusion: an activation whose input is read by nothing else and is no graph output
 * becomes the `activation` of the conv / dense layer producing that input. A producer whose output is
 * also read elsewhere (or is a graph output) keeps its activation as a layer of its own, since fusing
 * would change what the other readers see.
 */
export function planActivations(
  nodes: readonly GraphNode[],
  outputs: readonly string[],
  opts: ActivationPlanOptions,
): ActivationPlan {
  const readers = new Map<string, GraphNode[]>();
  for (const n of nodes) for (const i of n.inputs) readers.set(i, [...(readers.get(i) ?? []), n]);
  const isOutput = new Set(outputs);
  const activation = new Map<string, FusedActivation>();
  const aliasOf = new Map<string, string>();
  for (const producer of nodes) {
    if (!opts.canFuse(producer)) continue;
    const end = opts.chainEnd(producer);
    const rs = readers.get(end) ?? [];
    const act = rs[0];
    if (isOutput.has(end) || rs.length !== 1 || act?.kind !== "activation" || act.inputs[0] !== end) continue;
    const fn = fusedActivationOf(act);
    if (fn === undefined) continue;
    activation.set(producer.id, fn);
    aliasOf.set(act.id, producer.id);
  }
  return { activation, aliasOf };
}
