import type { Graph } from "../graph/graph.js";
import type { Initializer, WeightSpec } from "../ops/define-op.js";
import { type OpDef, ops } from "../ops/index.js";
import { numel, type Shape } from "../shape.js";
import { type WeightMap, weightKey } from "./tensor.js";

/** One weight of a graph: its key in a {@link WeightMap} and the op's spec for it. */
export interface GraphWeight {
  key: string;
  nodeId: string;
  spec: WeightSpec;
}

/**
 * Every weight the graph's nodes own, in node order, from each op's `weights()` rule. A node with
 * `shareWeights` owns none: backends look its weights up under the target's id
 * (`weightKey(node.shareWeights, name)`).
 */
export function graphWeights(graph: Graph): GraphWeight[] {
  const shapes = new Map<string, Shape>();
  for (const i of graph.inputs) shapes.set(i.id, i.shape);
  const out: GraphWeight[] = [];
  for (const node of graph.nodes) {
    shapes.set(node.id, node.shape);
    if (node.shareWeights !== undefined) continue;
    const inputs = node.inputs.map((id) => shapes.get(id) ?? []);
    // NOTE: the union of op definitions is not callable with a union of params; each node's params
    // were parsed by its own op's schema, so the widened call is sound.
    const def = ops[node.kind] as OpDef<string, unknown>;
    for (const spec of def.weights({ inputs, params: node.params, output: node.shape })) {
      out.push({ key: weightKey(node.id, spec.name), nodeId: node.id, spec });
    }
  }
  return out;
}

/** splitmix32-style hash of a string, so each weight gets its own stream independent of node order. */
function hashString(s: string, seed: number): number {
  let h = (seed ^ 0x9e3779b9) >>> 0;
  for (let i = 0; i < s.length; i++) {
    h = Math.imul(h ^ s.charCodeAt(i), 0x85ebca6b);
    h ^= h >>> 13;
  }
  h = Math.imul(h ^ (h >>> 16), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** mulberry32: a small, fast, deterministic PRNG returning uniform numbers in [0, 1). */
export function createRng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function normal(rng: () => number): number {
  // Box-Muller; 1 - u keeps the logarithm finite.
  const u = 1 - rng();
  const v = rng();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/**
 * Keras's Orthogonal initializer: QR of a standard-normal (rows x cols) matrix, signs fixed so R has a
 * positive diagonal, transposed when rows < cols. Rows = product of all but the last dim.
 */
function orthogonal(shape: Shape, rng: () => number): Float32Array {
  const cols = shape[shape.length - 1] ?? 1;
  const rows = numel(shape) / cols;
  const [r, c] = rows < cols ? [cols, rows] : [rows, cols];
  const a = new Float64Array(r * c);
  for (let i = 0; i < a.length; i++) a[i] = normal(rng);
  // Modified Gram-Schmidt on the columns of a (r >= c): the resulting R has a positive diagonal,
  // which is exactly Keras's `q *= sign(diag(r))` correction.
  for (let j = 0; j < c; j++) {
    for (let p = 0; p < j; p++) {
      let dot = 0;
      for (let i = 0; i < r; i++) dot += a[i * c + p]! * a[i * c + j]!;
      for (let i = 0; i < r; i++) a[i * c + j]! -= dot * a[i * c + p]!;
    }
    let norm = 0;
    for (let i = 0; i < r; i++) norm += a[i * c + j]! ** 2;
    norm = Math.sqrt(norm) || 1;
    for (let i = 0; i < r; i++) a[i * c + j]! /= norm;
  }
  const out = new Float32Array(rows * cols);
  if (rows >= cols) out.set(a);
  else for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[i * cols + j] = a[j * c + i]!;
  return out;
}

/** Fills one weight according to its initializer. */
export function initializeWeight(init: Initializer, shape: Shape, rng: () => number): Float32Array {
  const n = numel(shape);
  const out = new Float32Array(n);
  switch (init.kind) {
    case "zeros":
      return out;
    case "ones":
      return out.fill(1);
    case "constant":
      return out.fill(init.value);
    case "values":
      for (let i = 0; i < n; i++) out[i] = init.values[i] ?? 0;
      return out;
    case "glorotUniform": {
      const limit = Math.sqrt(6 / (init.fanIn + init.fanOut));
      for (let i = 0; i < n; i++) out[i] = (2 * rng() - 1) * limit;
      return out;
    }
    case "orthogonal":
      return orthogonal(shape, rng);
    case "lstmBias":
      return out.fill(1, init.units, 2 * init.units);
    default:
      return assertNeverInit(init);
  }
}

function assertNeverInit(x: never): never {
  throw new TypeError(`unknown initializer ${JSON.stringify(x)}`);
}

/**
 * Deterministic initial weights for every node of the graph (Keras's defaults: Glorot-uniform kernels,
 * zero biases, batchNorm gamma 1 / beta 0 / moving mean 0 / variance 1, orthogonal recurrent kernels).
 * Each weight draws from its own stream seeded by `seed` and its key, so the same seed gives the same
 * weights in every backend and adding a node leaves the other nodes' weights unchanged.
 */
export function initWeights(graph: Graph, opts: { seed?: number } = {}): WeightMap {
  const seed = opts.seed ?? 0;
  const out: WeightMap = new Map();
  for (const { key, spec } of graphWeights(graph)) {
    const data = initializeWeight(spec.init, spec.shape, createRng(hashString(key, seed)));
    out.set(key, { shape: [...spec.shape], data });
  }
  return out;
}
