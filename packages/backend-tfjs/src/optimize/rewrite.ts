import {
  type Graph,
  type GraphNode,
  type GraphNodeOf,
  liveNodeIds,
  type Shape,
  toPads,
  type WeightMap,
  weightKey,
  window2d,
} from "@fusegraph/dsl";
import { weightOf } from "../portable/bake.js";
import { batchNormAffine, foldedWeights } from "../portable/fold.js";

/** A graph and weights computing the same function at inference as the ones given. */
export interface Rewritten {
  graph: Graph;
  weights: WeightMap;
}

export interface RewriteOptions {
  /**
   * Fold a batchNorm into the conv2d / conv2dTranspose / dense it exclusively follows. The portable
   * target folds batchNorm itself (with baked fusion weights and biasAdd, see portable/fold.ts), so it
   * passes false.
   */
  foldBatchNorm: boolean;
}

/** The graph as it is rewritten: nodes in topological order, outputs unchanged. */
interface Work {
  nodes: GraphNode[];
  readonly outputs: ReadonlySet<string>;
  /** Nodes whose layers another node calls, or that call another's: their params and weights stay as they are. */
  readonly shared: ReadonlySet<string>;
  readonly shapes: Map<string, Shape>;
  weights: WeightMap;
}

function readersOf(nodes: readonly GraphNode[]): Map<string, GraphNode[]> {
  const readers = new Map<string, GraphNode[]>();
  for (const n of nodes) for (const i of new Set(n.inputs)) readers.set(i, [...(readers.get(i) ?? []), n]);
  return readers;
}

/** The only reader of `id`, reading it as its data input, when `id` is no graph output; else undefined. */
function soleReader(w: Work, readers: Map<string, GraphNode[]>, id: string): GraphNode | undefined {
  const rs = readers.get(id) ?? [];
  const r = rs[0];
  if (w.outputs.has(id) || rs.length !== 1 || !r || r.inputs[0] !== id) return undefined;
  // A reader listing the node twice (e.g. add(x, x)) reads it in more than one place.
  return r.inputs.filter((i) => i === id).length === 1 ? r : undefined;
}

/** Removes `gone` and makes every reader of it read `by` instead. */
function replace(w: Work, gone: ReadonlySet<string>, by: ReadonlyMap<string, string>): void {
  w.nodes = w.nodes
    .filter((n) => !gone.has(n.id))
    .map((n) =>
      n.inputs.some((i) => by.has(i))
        ? ({ ...n, inputs: n.inputs.map((i) => by.get(i) ?? i) } as GraphNode)
        : n,
    );
}

/** dropout is the identity at inference: its readers read its input (kept when it is a graph output). */
function dropDropout(w: Work): boolean {
  const by = new Map<string, string>();
  for (const n of w.nodes) {
    if (n.kind !== "dropout" || w.outputs.has(n.id) || n.inputs[0] === undefined) continue;
    by.set(n.id, by.get(n.inputs[0]) ?? n.inputs[0]);
  }
  replace(w, new Set(by.keys()), by);
  return by.size > 0;
}

function spatial(shape: Shape | undefined): [number, number] {
  return [shape?.[0] ?? 0, shape?.[1] ?? 0];
}

/**
 * zeroPad read only by a conv2d: the conv pads its input itself by the sum of both pads (zeros either
 * way, so exactly equal). Its explicit pads become `same` in {@link canonicalPadding} when they match.
 */
function mergeZeroPad(w: Work): boolean {
  const readers = readersOf(w.nodes);
  const gone = new Set<string>();
  const merged = new Map<string, GraphNode>();
  for (const zp of w.nodes) {
    if (zp.kind !== "zeroPad" || zp.inputs[0] === undefined) continue;
    const conv = soleReader(w, readers, zp.id);
    if (conv?.kind !== "conv2d" || w.shared.has(conv.id)) continue;
    const p = conv.params;
    const outer = toPads(zp.params.padding);
    const inner = window2d(spatial(zp.shape), p.kernelSize, p.strides, p.dilation, p.padding).pads;
    const padding: [number, number, number, number] = [
      outer.top + inner.top,
      outer.bottom + inner.bottom,
      outer.left + inner.left,
      outer.right + inner.right,
    ];
    merged.set(conv.id, {
      ...conv,
      inputs: [zp.inputs[0], ...conv.inputs.slice(1)],
      params: { ...p, padding },
    });
    gone.add(zp.id);
  }
  w.nodes = w.nodes.map((n) => merged.get(n.id) ?? n);
  replace(w, gone, new Map());
  return gone.size > 0;
}

/** A conv2d's explicit pads as `same` or `valid` when they are exactly those (one layer, no ZeroPadding2D). */
function canonicalPadding(w: Work): void {
  w.nodes = w.nodes.map((n) => {
    if (n.kind !== "conv2d" || typeof n.params.padding === "string" || w.shared.has(n.id)) return n;
    const p = n.params;
    const hw = spatial(w.shapes.get(n.inputs[0] ?? ""));
    const own = window2d(hw, p.kernelSize, p.strides, p.dilation, p.padding).pads;
    const same = window2d(hw, p.kernelSize, p.strides, p.dilation, "same").pads;
    const eq = (a: typeof own, b: typeof own) =>
      a.top === b.top && a.bottom === b.bottom && a.left === b.left && a.right === b.right;
    const zero = { top: 0, bottom: 0, left: 0, right: 0 };
    const padding = eq(own, zero) ? "valid" : eq(own, same) ? "same" : undefined;
    return padding ? { ...n, params: { ...p, padding } } : n;
  });
}

type Foldable = GraphNodeOf<"conv2d"> | GraphNodeOf<"conv2dTranspose"> | GraphNodeOf<"dense">;

function isFoldable(n: GraphNode): n is Foldable {
  return n.kind === "conv2d" || n.kind === "conv2dTranspose" || n.kind === "dense";
}

/** batchNorm read only from a conv/dense that only it reads: kernel and bias absorb its affine map. */
function foldBatchNorm(w: Work): boolean {
  const readers = readersOf(w.nodes);
  const gone = new Set<string>();
  const by = new Map<string, string>();
  const folded = new Map<string, GraphNode>();
  const weights: WeightMap = new Map(w.weights);
  for (const producer of w.nodes) {
    if (!isFoldable(producer) || w.shared.has(producer.id)) continue;
    const bn = soleReader(w, readers, producer.id);
    if (bn?.kind !== "batchNorm" || w.outputs.has(bn.id) || w.shared.has(bn.id)) continue;
    const fold = { producer, absorbed: [bn], affine: batchNormAffine(bn, w.weights) };
    const kernel = weightOf(w.weights, producer.id, "kernel");
    const bias = w.weights.get(weightKey(producer.id, "bias"));
    const next = foldedWeights(fold, kernel, bias);
    weights.set(weightKey(producer.id, "kernel"), next.kernel);
    weights.set(weightKey(producer.id, "bias"), next.bias);
    for (const name of ["gamma", "beta", "movingMean", "movingVariance"])
      weights.delete(weightKey(bn.id, name));
    folded.set(producer.id, { ...producer, params: { ...producer.params, useBias: true } } as GraphNode);
    gone.add(bn.id);
    by.set(bn.id, producer.id);
  }
  w.weights = weights;
  w.nodes = w.nodes.map((n) => folded.get(n.id) ?? n);
  replace(w, gone, by);
  return gone.size > 0;
}

/**
 * Graph-level inference rewrites, each exact: dropout dropped, a zeroPad merged into the conv2d that
 * alone reads it, conv2d explicit pads turned into `same`/`valid` when equal, and (optionally)
 * batchNorm folded into the conv2d / conv2dTranspose / dense it alone reads. A node that is a graph
 * output, or whose output another node also reads, is never removed; nodes that share weights keep
 * theirs. Nodes no output depends on are dropped. Returns new objects; the caller's graph and weights
 * are untouched.
 */
export function inferenceRewrite(graph: Graph, weights: WeightMap, opts: RewriteOptions): Rewritten {
  const live = liveNodeIds(graph);
  const shared = new Set<string>();
  for (const n of graph.nodes) {
    if (n.shareWeights === undefined) continue;
    shared.add(n.id);
    shared.add(n.shareWeights);
  }
  const w: Work = {
    nodes: graph.nodes.filter((n) => live.has(n.id)),
    outputs: new Set(graph.outputs),
    shared,
    shapes: new Map<string, Shape>([
      ...graph.inputs.map((i): [string, Shape] => [i.id, i.shape]),
      ...graph.nodes.map((n): [string, Shape] => [n.id, n.shape]),
    ]),
    weights,
  };
  dropDropout(w);
  while (mergeZeroPad(w)) {}
  canonicalPadding(w);
  if (opts.foldBatchNorm) while (foldBatchNorm(w)) {}
  return { graph: { ...graph, nodes: w.nodes }, weights: w.weights };
}
