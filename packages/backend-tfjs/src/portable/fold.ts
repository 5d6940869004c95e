import type { GraphNode, TensorData, WeightMap } from "@fusegraph/dsl";
import { fusionConstants, weightOf } from "./bake.js";

/** Per-channel y = scale * x + shift, composed in float64. */
export interface Affine {
  scale: Float64Array;
  shift: Float64Array;
}

/** Kinds whose output is linear in their weights: an affine map after them folds into kernel and bias. */
export type FoldableKind = "conv2d" | "conv2dTranspose" | "dense";

/** A producer that absorbs the affine nodes after it, and the node whose id its output now carries. */
export interface Fold {
  producer: GraphNode & { kind: FoldableKind };
  /** The absorbed nodes, in order (batchNorm, scaleBy of a fusion weight, biasAdd). */
  absorbed: readonly GraphNode[];
  affine: Affine;
}

export interface FoldPlan {
  /** By producer id. */
  folds: ReadonlyMap<string, Fold>;
  /** Absorbed node id -> the producer whose output it now is. */
  aliasOf: ReadonlyMap<string, string>;
  /** fusionWeights node id -> its normalised weights (read only by scaleBy nodes). */
  fusion: ReadonlyMap<string, readonly number[]>;
}

/** Output channels of a producer: the axis of its kernel that indexes them. */
export function outputChannelAxis(kind: FoldableKind): number {
  // conv2d [kh, kw, inC/groups, filters], dense [in, units]: last; conv2dTranspose [kh, kw, filters, inC]: 2.
  return kind === "conv2dTranspose" ? 2 : -1;
}

function channelsOf(node: GraphNode): number {
  return node.shape[node.shape.length - 1] ?? 0;
}

/** The batchNorm at inference as a per-channel affine map: a = gamma / sqrt(var + eps), b = beta - mean * a. */
export function batchNormAffine(node: GraphNode & { kind: "batchNorm" }, weights: WeightMap): Affine {
  const c = channelsOf(node);
  const { epsilon, scale, center } = node.params;
  const mean = weightOf(weights, node.id, "movingMean").data;
  const variance = weightOf(weights, node.id, "movingVariance").data;
  const gamma = scale ? weightOf(weights, node.id, "gamma").data : undefined;
  const beta = center ? weightOf(weights, node.id, "beta").data : undefined;
  const out: Affine = { scale: new Float64Array(c), shift: new Float64Array(c) };
  for (let i = 0; i < c; i++) {
    const a = (gamma?.[i] ?? 1) / Math.sqrt((variance[i] ?? 1) + epsilon);
    out.scale[i] = a;
    out.shift[i] = (beta?.[i] ?? 0) - (mean[i] ?? 0) * a;
  }
  return out;
}

/** `outer` after `inner`: scale_o * (scale_i * x + shift_i) + shift_o. */
function compose(outer: Affine, inner: Affine): Affine {
  return {
    scale: inner.scale.map((s, i) => (outer.scale[i] ?? 1) * s),
    shift: inner.shift.map((t, i) => (outer.scale[i] ?? 1) * t + (outer.shift[i] ?? 0)),
  };
}

function uniform(c: number, scale: number, shift: number): Affine {
  return { scale: new Float64Array(c).fill(scale), shift: new Float64Array(c).fill(shift) };
}

/**
 * Decides which affine nodes fold into the conv2d / conv2dTranspose / dense before them: a chain of
 * batchNorm, scaleBy (by a baked fusion weight) and biasAdd nodes folds while each link's output is
 * read by exactly the next link and is no graph output, so no other reader sees a changed value.
 * Everything else stays a layer of its own.
 */
export function planFolds(
  nodes: readonly GraphNode[],
  outputs: readonly string[],
  weights: WeightMap,
): FoldPlan {
  const readers = new Map<string, GraphNode[]>();
  for (const n of nodes) for (const i of n.inputs) readers.set(i, [...(readers.get(i) ?? []), n]);
  const isOutput = new Set(outputs);
  const fusion = new Map<string, readonly number[]>();
  for (const n of nodes) if (n.kind === "fusionWeights") fusion.set(n.id, fusionConstants(n, weights));

  const folds = new Map<string, Fold>();
  const aliasOf = new Map<string, string>();
  for (const producer of nodes) {
    if (producer.kind !== "conv2d" && producer.kind !== "conv2dTranspose" && producer.kind !== "dense")
      continue;
    const c = channelsOf(producer);
    let affine = uniform(c, 1, 0);
    const absorbed: GraphNode[] = [];
    let cur: string = producer.id;
    for (;;) {
      const rs = readers.get(cur) ?? [];
      const next = rs[0];
      if (isOutput.has(cur) || rs.length !== 1 || !next || next.inputs[0] !== cur) break;
      let step: Affine | undefined;
      if (next.kind === "batchNorm") step = batchNormAffine(next, weights);
      else if (next.kind === "biasAdd") step = uniform(c, 1, weightOf(weights, next.id, "bias").data[0] ?? 0);
      else if (next.kind === "scaleBy" && next.inputs[1] !== cur) {
        const k = fusion.get(next.inputs[1] ?? "")?.[next.params.index];
        if (k !== undefined) step = uniform(c, k, 0);
      }
      if (!step) break;
      affine = compose(step, affine);
      absorbed.push(next);
      cur = next.id;
    }
    if (absorbed.length === 0) continue;
    folds.set(producer.id, { producer, absorbed, affine });
    for (const a of absorbed) aliasOf.set(a.id, producer.id);
  }
  return { folds, aliasOf, fusion };
}

/**
 * A producer's kernel and bias with an affine map after it folded in: kernel[..., f, ...] * scale[f],
 * bias' = scale * bias + shift (bias 0 when the producer has none). Float64 arithmetic, float32 result.
 */
export function foldedWeights(
  fold: Fold,
  kernel: TensorData,
  bias: TensorData | undefined,
): { kernel: TensorData; bias: TensorData } {
  const { scale, shift } = fold.affine;
  const rank = kernel.shape.length;
  const axisArg = outputChannelAxis(fold.producer.kind);
  const axis = axisArg < 0 ? rank + axisArg : axisArg;
  const inner = kernel.shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const c = kernel.shape[axis] ?? 1;
  const k = new Float32Array(kernel.data.length);
  for (let i = 0; i < k.length; i++) {
    const f = Math.floor(i / inner) % c;
    k[i] = (kernel.data[i] ?? 0) * (scale[f] ?? 1);
  }
  const b = new Float32Array(c);
  for (let f = 0; f < c; f++) b[f] = (scale[f] ?? 1) * (bias?.data[f] ?? 0) + (shift[f] ?? 0);
  return { kernel: { shape: [...kernel.shape], data: k }, bias: { shape: [c], data: b } };
}
