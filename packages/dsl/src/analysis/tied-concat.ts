import type { Graph, GraphNode, GraphNodeOf } from "../graph/graph.js";
import { issue, type Result, type SpecIssue } from "../issues.js";
import { formatShape, numel, type Shape } from "../shape.js";
import { type TensorData, type WeightMap, weightKey } from "../weights/tensor.js";
import { checkMode, explainInfeasible, inputShapes, MERGE_KINDS, type MergeNode } from "./merge-modes.js";
import { selectMerges, withMerge } from "./with-merge.js";

/** Weights and graph after a tied-kernel rewrite. */
export type TiedRewrite = Result<{ graph: Graph; weights: WeightMap }>;

export interface ConcatToAddOptions {
  /** Largest |K_i - K_1| over the kernel's input blocks still taken as tied. Default 1e-6. */
  tolerance?: number;
}

const fail = (...issues: SpecIssue[]): { ok: false; issues: SpecIssue[] } => ({ ok: false, issues });

/** A conv2d or dense reading the merge, with its kernel and the kernel's input-channel count. */
interface Reader {
  node: GraphNode;
  key: string;
  kernel: TensorData;
}

/**
 * Checks that every reader of the merge is a conv2d (groups 1) or dense taking it as its data input, and
 * that the merge is not an output of the graph: only then is the rewrite an identity of the outputs.
 */
function readersOf(
  graph: Graph,
  merge: MergeNode,
  weights: WeightMap,
  channels: number,
): Result<{ readers: Reader[] }> {
  const issues: SpecIssue[] = [];
  const label = `merge "${merge.id}" (${merge.kind})`;
  if (graph.outputs.includes(merge.id))
    issues.push(
      issue(
        "invalid_spec",
        merge.path,
        `${label} is an output of the graph; rewriting it would change that output`,
        {
          nodeId: merge.id,
          hint: "the tied-kernel identity holds for what the conv after the merge computes, not for the merge itself",
        },
      ),
    );
  const readers: Reader[] = [];
  const consumers = graph.nodes.filter((n) => n.inputs.includes(merge.id));
  if (consumers.length === 0)
    issues.push(
      issue("invalid_spec", merge.path, `${label} is read by no node, so no kernel can absorb the rewrite`, {
        nodeId: merge.id,
      }),
    );
  for (const n of consumers) {
    const linear = n.kind === "conv2d" || n.kind === "dense";
    if (!linear || n.inputs[0] !== merge.id || n.inputs.indexOf(merge.id, 1) > 0) {
      issues.push(
        issue(
          "invalid_spec",
          n.path,
          `${label} is read by ${n.kind} "${n.id}"; the tied-kernel rewrite needs every reader to be a conv2d or dense`,
          {
            nodeId: n.id,
            expected: "conv2d or dense reading the merge as its input",
            received: n.kind,
            hint: "only a layer linear in its input channels turns a sum of inputs into a concat with a stacked kernel",
          },
        ),
      );
      continue;
    }
    if (n.kind === "conv2d" && n.params.groups > 1) {
      issues.push(
        issue(
          "invalid_spec",
          n.path,
          `conv2d "${n.id}" has groups ${n.params.groups}; the tied-kernel rewrite needs groups 1`,
          {
            nodeId: n.id,
            expected: "groups: 1",
            received: `groups: ${n.params.groups}`,
            hint: "a grouped conv after a concat would mix different inputs' channels into each group",
          },
        ),
      );
      continue;
    }
    const sharer = graph.nodes.find((o) => o.shareWeights === n.id);
    if (n.shareWeights !== undefined || sharer) {
      const other = n.shareWeights ?? sharer?.id;
      issues.push(
        issue(
          "invalid_spec",
          n.path,
          `${n.kind} "${n.id}" shares its weights with "${other}"; stacking its kernel would change "${other}" too`,
          {
            nodeId: n.id,
            hint: `remove shareWeights, or rewrite a merge whose readers own their weights`,
          },
        ),
      );
      continue;
    }
    const key = weightKey(n.id, "kernel");
    const kernel = weights.get(key);
    const inAxis = kernel ? kernel.shape[kernel.shape.length - 2] : undefined;
    if (!kernel) {
      issues.push(
        issue("unknown_ref", n.path, `no weight "${key}" for ${n.kind} "${n.id}"`, {
          nodeId: n.id,
          hint: "pass the weights of this graph, e.g. from initWeights(graph)",
        }),
      );
    } else if (inAxis !== channels || kernel.data.length !== numel(kernel.shape)) {
      issues.push(
        issue(
          "shape_mismatch",
          n.path,
          `weight "${key}" has shape ${formatShape(kernel.shape)}, expected ${channels} input channels on its second-to-last axis`,
          { nodeId: n.id, received: formatShape(kernel.shape) },
        ),
      );
    } else readers.push({ node: n, key, kernel });
  }
  return issues.length > 0 ? fail(...issues) : { ok: true, warnings: [], readers };
}

/** The merge by id, if it is one of the graph's merges of kind `kind`. */
function mergeOf<K extends "add" | "concat">(
  graph: Graph,
  mergeId: string,
  kind: K,
): Result<{ merge: GraphNodeOf<K> }> {
  const sel = selectMerges(graph, { ids: [mergeId] });
  if (!sel.ok) return sel;
  const merge = sel.merges[0]!;
  // NOTE: kind is K and the node's kind equals it, so the node is a GraphNodeOf<K>.
  if (merge.kind === kind) return { ok: true, warnings: [], merge: merge as GraphNodeOf<K> };
  const other = kind === "add" ? "concatToAdd" : "addToConcat";
  return fail(
    issue("invalid_spec", merge.path, `merge "${merge.id}" is a ${merge.kind}, expected ${kind}`, {
      nodeId: merge.id,
      expected: kind,
      received: merge.kind,
      ...(merge.kind === (kind === "add" ? "concat" : "add")
        ? { hint: `${other} rewrites the other way` }
        : {}),
    }),
  );
}

/** Shape [...lead, C, F] to [...lead, n*C, F], with the C x F slab repeated n times at each lead index. */
function stack(k: TensorData, n: number): TensorData {
  const c = k.shape[k.shape.length - 2] ?? 0;
  const f = k.shape[k.shape.length - 1] ?? 0;
  const slab = c * f;
  const lead = slab === 0 ? 0 : k.data.length / slab;
  const data = new Float32Array(k.data.length * n);
  for (let l = 0; l < lead; l++) {
    const src = k.data.subarray(l * slab, (l + 1) * slab);
    for (let i = 0; i < n; i++) data.set(src, (l * n + i) * slab);
  }
  const shape = [...k.shape];
  shape[shape.length - 2] = n * c;
  return { shape, data };
}

/** Shape [...lead, n*C, F] to [...lead, C, F] (the mean of the n blocks), and the largest |K_i - K_1|. */
function unstack(k: TensorData, n: number): { kernel: TensorData; maxDiff: number } {
  const nc = k.shape[k.shape.length - 2] ?? 0;
  const f = k.shape[k.shape.length - 1] ?? 0;
  const slab = (nc / n) * f;
  const lead = slab === 0 ? 0 : k.data.length / (slab * n);
  const data = new Float32Array(lead * slab);
  let maxDiff = 0;
  for (let l = 0; l < lead; l++) {
    const base = l * n * slab;
    for (let j = 0; j < slab; j++) {
      const first = k.data[base + j]!;
      let sum = 0;
      for (let i = 0; i < n; i++) {
        const v = k.data[base + i * slab + j]!;
        sum += v;
        maxDiff = Math.max(maxDiff, Math.abs(v - first));
      }
      data[l * slab + j] = sum / n;
    }
  }
  const shape = [...k.shape];
  shape[shape.length - 2] = nc / n;
  return { kernel: { shape, data }, maxDiff };
}

/** Whether a concat joins the last (channel) axis, resolving a negative axis against its inputs' rank. */
function concatsChannels(merge: GraphNodeOf<"concat">, inputs: readonly Shape[]): boolean {
  const rank = inputs[0]?.length ?? 0;
  return merge.params.axis === -1 || merge.params.axis === rank - 1;
}

/**
 * Rewrites an `add` of n inputs followed by convs (or dense layers) into a `concat` followed by the
 * same layers with each kernel [kh,kw,C,F] stacked n times along its input channels to [kh,kw,n*C,F]
 * (dense: [C,units] to [n*C,units]); biases unchanged. conv(concat(x_1..x_n), [K;...;K]) =
 * sum_i conv(x_i, K) = conv(sum_i x_i, K), so the outputs are unchanged: add is a concat with the
 * next layer's kernel tied across inputs, at 1/n of its kernel params and MACs.
 */
export function addToConcat(graph: Graph, weights: WeightMap, mergeId: string): TiedRewrite {
  const m = mergeOf(graph, mergeId, "add");
  if (!m.ok) return m;
  const merge = m.merge;
  const n = merge.inputs.length;
  const channels = merge.shape[merge.shape.length - 1] ?? 0;
  const r = readersOf(graph, merge, weights, channels);
  if (!r.ok) return r;
  const g = withMerge(graph, { ids: [merge.id] }, "concat");
  if (!g.ok) return g;
  const out: WeightMap = new Map(weights);
  for (const { key, kernel } of r.readers) out.set(key, stack(kernel, n));
  return { ok: true, warnings: g.warnings, graph: g.graph, weights: out };
}

/**
 * The inverse of {@link addToConcat}: a channel `concat` of n equal-shaped inputs whose readers' kernels
 * consist of n equal blocks along their input channels (within `tolerance`) becomes an `add`, each
 * kernel reduced to one block (the blocks' mean). Untied blocks give an issue naming the layer and the
 * largest difference found.
 */
export function concatToAdd(
  graph: Graph,
  weights: WeightMap,
  mergeId: string,
  opts: ConcatToAddOptions = {},
): TiedRewrite {
  const tolerance = opts.tolerance ?? 1e-6;
  const m = mergeOf(graph, mergeId, "concat");
  if (!m.ok) return m;
  const merge = m.merge;
  const inputs = inputShapes(graph, merge);
  if (!concatsChannels(merge, inputs))
    return fail(
      issue(
        "invalid_spec",
        merge.path,
        `merge "${merge.id}" (concat) joins axis ${merge.params.axis}, not the channels`,
        {
          nodeId: merge.id,
          expected: "axis: -1",
          hint: "only a channel concat before a conv is an add with a tied kernel",
        },
      ),
    );
  const asAdd = checkMode(merge, inputs, "add");
  if (!asAdd.feasible) {
    const all = MERGE_KINDS.map((k) => (k === "add" ? asAdd : checkMode(merge, inputs, k)));
    return fail(...explainInfeasible(merge, asAdd, all));
  }
  const n = merge.inputs.length;
  const r = readersOf(graph, merge, weights, merge.shape[merge.shape.length - 1] ?? 0);
  if (!r.ok) return r;
  const out: WeightMap = new Map(weights);
  const issues: SpecIssue[] = [];
  for (const { node, key, kernel } of r.readers) {
    const { kernel: k, maxDiff } = unstack(kernel, n);
    if (maxDiff > tolerance)
      issues.push(
        issue(
          "invalid_params",
          node.path,
          `${node.kind} "${node.id}": kernel "${key}" is not tied across the ${n} inputs of merge "${merge.id}": its input blocks differ by up to ${maxDiff.toPrecision(3)}`,
          {
            nodeId: node.id,
            expected: `blocks equal within ${tolerance}`,
            received: `max |K_i - K_1| = ${maxDiff.toPrecision(3)}`,
            hint: "keep the concat (the blocks carry different information), or pass a larger tolerance to average them",
          },
        ),
      );
    else out.set(key, k);
  }
  if (issues.length > 0) return fail(...issues);
  const g = withMerge(graph, { ids: [merge.id] }, "add");
  if (!g.ok) return g;
  return { ok: true, warnings: g.warnings, graph: g.graph, weights: out };
}
