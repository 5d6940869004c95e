import {
  formatShape,
  type Graph,
  graphWeights,
  numel,
  sameShape,
  sharedWeightKeys,
  type WeightMap,
} from "@fusegraph/dsl";
import { ExecutionError } from "../errors.js";

/**
 * The weights keyed for every node that computes with them: a node with `shareWeights` gets its
 * target's arrays under its own id (the same arrays, not copies), so lowering, folding and kernels need
 * not know about sharing. Fusions copy before they fold (see `gemmConv`), so a shared conv folded with
 * a different batchNorm at each use never alters the weights the other uses read.
 */
export function withSharedWeights(graph: Graph, weights: WeightMap): WeightMap {
  const shared = sharedWeightKeys(graph);
  if (shared.size === 0) return weights;
  const out: WeightMap = new Map(weights);
  // NOTE: checkWeights has run, so every weight of every target is present.
  for (const [key, { source }] of shared) out.set(key, weights.get(source)!);
  return out;
}

/** Checks the map holds exactly the graph's weights with the declared shapes. */
export function checkWeights(graph: Graph, weights: WeightMap): void {
  const expected = graphWeights(graph);
  const names = new Set<string>();
  for (const { key, spec } of expected) {
    names.add(key);
    const w = weights.get(key);
    if (!w) throw new ExecutionError("missing_weight", `weight "${key}" is missing`);
    if (!(w.data instanceof Float32Array)) {
      throw new ExecutionError("weight_dtype", `weight "${key}" must be a Float32Array`);
    }
    if (!sameShape(w.shape, spec.shape) || w.data.length !== numel(spec.shape)) {
      throw new ExecutionError(
        "weight_shape",
        `weight "${key}" has shape ${formatShape(w.shape)} (${w.data.length} values), expected ${formatShape(spec.shape)}`,
      );
    }
  }
  const shared = sharedWeightKeys(graph, expected);
  for (const key of weights.keys()) {
    if (names.has(key)) continue;
    const owner = shared.get(key);
    throw new ExecutionError(
      "unexpected_weight",
      owner
        ? `weight "${key}" belongs to node "${owner.node}", which shares the weights of "${owner.target}": give them once, under "${owner.target}/"`
        : `weight "${key}" belongs to no node of graph "${graph.name}"`,
    );
  }
}
