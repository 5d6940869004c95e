import { availableParallelism } from "node:os";
import {
  type CoreKind,
  compositeKinds,
  formatShape,
  type Graph,
  type GraphNode,
  type GraphNodeOf,
  type GraphWeight,
  graphWeights,
  numel,
  type OpDef,
  type OpKind,
  ops,
  type Shape,
  sameShape,
  type TensorData,
  type WeightMap,
  weightKey,
} from "@fusegraph/dsl";
import { ExecutionError } from "./errors.js";
import { GEMM_KC, GEMM_MC } from "./gemm.js";
import { fusedActivation } from "./kernels/activate.js";
import { batchNormAffine } from "./kernels/batchNorm.js";
import { conv2dWith, type FoldedBatchNorm } from "./kernels/conv2d.js";
import { denseWith } from "./kernels/dense.js";
import type { Compute, FusedActivation, Kernel, KernelArgs, Runtime } from "./kernels/types.js";
import { kernels } from "./kernels.js";
import { type PlanStep, planBuffers } from "./plan.js";
import { WorkerPool } from "./pool.js";
import { sharedFloats } from "./tensor.js";
import { WasmContext } from "./wasm/context.js";
import { wasmKernelsSupported } from "./wasm/module.js";

/** Where conv and dense GEMMs run: WebAssembly SIMD kernels, or the plain-JS fallback. */
export type GemmKernel = "wasm" | "js";

export interface PrepareOptions {
  /** Threads that share large convs (the caller's plus workers); default min(2, available cores). */
  threads?: number;
  /** Fold batchNorm into the preceding conv and fuse activations and residual adds (default true). */
  fuse?: boolean;
  /**
   * GEMM kernels for conv and dense: "wasm" (default where WebAssembly SIMD and shared memory validate)
   * or "js". Asking for "wasm" where it does not validate falls back to "js"; see `Executor.kernel`.
   */
  kernel?: GemmKernel;
}

/** A graph ready to run: weights packed, buffers planned. */
export interface Executor {
  readonly graph: Graph;
  /** Floats of activation memory one example needs at peak (the planned arena). */
  readonly arenaFloatsPerExample: number;
  /** The GEMM kernels this executor runs on. */
  readonly kernel: GemmKernel;
  /** Tensors keyed by input id, batch first; returns one tensor per graph output. */
  run(inputs: Readonly<Record<string, TensorData>>): Record<string, TensorData>;
  /** Stops the worker threads; the executor cannot run afterwards. */
  dispose(): void;
}

const compositeSet: ReadonlySet<string> = new Set(compositeKinds);
/** Ops whose output is their first input's buffer unchanged at inference. */
const ALIAS_KINDS: ReadonlySet<OpKind> = new Set<OpKind>(["dropout", "flatten"]);
/** Kernels that apply a following activation to their own output. */
const ACTIVATION_FUSERS: ReadonlySet<OpKind> = new Set<OpKind>(["conv2d", "add", "batchNorm", "dense"]);

function fail(): never {
  throw new TypeError("expanded node failed shape inference");
}

/** Rewrites composite nodes through their op's expand(); expanded weights take the composite's values. */
function lower(graph: Graph, weights: WeightMap): { nodes: GraphNode[]; weights: WeightMap } {
  const shapes = new Map<string, Shape>(graph.inputs.map((i) => [i.id, i.shape]));
  const out: GraphNode[] = [];
  const lowered: WeightMap = new Map(weights);
  const visit = (node: GraphNode) => {
    const def = ops[node.kind] as OpDef<string, unknown>;
    const inputs = node.inputs.map((i) => shapes.get(i) ?? []);
    if (!compositeSet.has(node.kind) || !def.expand) {
      out.push(node);
      shapes.set(node.id, node.shape);
      return;
    }
    const exp = def.expand(node, node.params, inputs);
    for (const [name, target] of Object.entries(exp.weights)) {
      const w = weights.get(weightKey(node.id, name));
      if (w) lowered.set(target, w);
    }
    for (const e of exp.nodes) {
      const eDef = ops[e.kind as OpKind] as OpDef<string, unknown>;
      const eInputs = e.inputs.map((i) => shapes.get(i) ?? []);
      const ctx = { nodeId: e.id, inputIds: e.inputs, issue: fail };
      const shape = eDef.inferShape(eInputs, e.params, ctx) ?? fail();
      visit({ ...e, kind: e.kind as OpKind, shape, path: node.path, scope: node.scope } as GraphNode);
    }
  };
  for (const n of graph.nodes) visit(n);
  return { nodes: out, weights: lowered };
}

/**
 * The weights keyed for every node that computes with them: a node with `shareWeights` gets its
 * target's arrays under its own id (the same arrays, not copies), so lowering, folding and kernels need
 * not know about sharing. Fusions copy before they fold (see `gemmConv`), so a shared conv folded with
 * a different batchNorm at each use never alters the weights the other uses read.
 */
function withSharedWeights(graph: Graph, weights: WeightMap): WeightMap {
  const shared = sharedKeys(graph, graphWeights(graph));
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
  const shared = sharedKeys(graph, expected);
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

/**
 * Keys a sharing node's weights would have if it owned them, mapped to the node, its target and the
 * target's key for the same weight (`owned` is `graphWeights(graph)`).
 */
function sharedKeys(
  graph: Graph,
  owned: readonly GraphWeight[],
): Map<string, { node: string; target: string; source: string }> {
  const out = new Map<string, { node: string; target: string; source: string }>();
  for (const n of graph.nodes) {
    if (n.shareWeights === undefined) continue;
    for (const { key, nodeId, spec } of owned) {
      if (nodeId !== n.shareWeights) continue;
      out.set(weightKey(n.id, spec.name), { node: n.id, target: nodeId, source: key });
    }
  }
  return out;
}

function activationOf(node: GraphNode): FusedActivation | undefined {
  if (node.kind !== "activation" || node.params.fn === "softmax") return undefined;
  return fusedActivation(node.params);
}

interface Step extends PlanStep {
  compute: Compute | undefined;
  /** Index of the last graph node the step covers; steps run in this order. */
  at: number;
}

function buildSteps(
  graph: Graph,
  nodes: readonly GraphNode[],
  weights: WeightMap,
  fuse: boolean,
  wasm: WasmContext | undefined,
): Step[] {
  const shapes = new Map<string, Shape>(graph.inputs.map((i) => [i.id, i.shape]));
  for (const n of nodes) shapes.set(n.id, n.shape);
  const consumers = new Map<string, GraphNode[]>();
  for (const n of nodes) for (const i of n.inputs) consumers.set(i, [...(consumers.get(i) ?? []), n]);
  const outputs = new Set(graph.outputs);
  const index = new Map(nodes.map((n, i) => [n.id, i]));
  const sole = (id: string): GraphNode | undefined => {
    const c = consumers.get(id);
    return fuse && !outputs.has(id) && c?.length === 1 ? c[0] : undefined;
  };
  const weight = (id: string, name: string): Float32Array => weights.get(weightKey(id, name))!.data;
  const argsOf = (node: GraphNode, activation?: FusedActivation): KernelArgs<CoreKind> => ({
    node: node as GraphNodeOf<CoreKind>,
    inputShapes: node.inputs.map((i) => shapes.get(i) ?? []),
    weight: (name) => weight(node.id, name),
    ...(activation ? { activation } : {}),
  });
  const fusedAway = new Set<string>();
  const steps: Step[] = [];
  for (const node of nodes) {
    if (fusedAway.has(node.id)) continue;
    const at = index.get(node.id)!;
    if (ALIAS_KINDS.has(node.kind)) {
      steps.push({ out: node.id, inputs: [node.inputs[0]!], alias: true, compute: undefined, at });
      continue;
    }
    let last = node;
    let batchNorm: FoldedBatchNorm | undefined;
    let residual: string | undefined;
    if (node.kind === "conv2d") {
      const bn = sole(last.id);
      if (bn?.kind === "batchNorm") {
        batchNorm = batchNormAffine(bn.params, (name) => weight(bn.id, name));
        last = bn;
      }
      const sum = sole(last.id);
      // The add is fused into the first conv chain that reaches it; the other summand stays a real value.
      if (
        sum?.kind === "add" &&
        !fusedAway.has(sum.id) &&
        sum.inputs.length === 2 &&
        sum.inputs[0] !== sum.inputs[1]
      ) {
        residual = sum.inputs[0] === last.id ? sum.inputs[1] : sum.inputs[0];
        last = sum;
      }
    }
    let activation: FusedActivation | undefined;
    const next = ACTIVATION_FUSERS.has(node.kind) ? sole(last.id) : undefined;
    if (next) activation = activationOf(next);
    if (activation && next) last = next;
    let cur = node;
    while (cur !== last) {
      cur = sole(cur.id)!;
      fusedAway.add(cur.id);
    }
    const args = argsOf(node, activation);
    const compute =
      node.kind === "conv2d"
        ? conv2dWith(
            args as KernelArgs<"conv2d">,
            { ...(batchNorm ? { batchNorm } : {}), residual: residual !== undefined },
            wasm,
          )
        : node.kind === "dense"
          ? denseWith(args as KernelArgs<"dense">, wasm)
          : (kernels[node.kind as CoreKind] as Kernel<CoreKind>)(args);
    const inputs = residual !== undefined ? [node.inputs[0]!, residual] : [...node.inputs];
    steps.push({ out: last.id, inputs, alias: false, compute, at: index.get(last.id)! });
  }
  return steps.sort((a, b) => a.at - b.at);
}

/** Compiles a validated graph with its weights into an executor. */
export function prepare(graph: Graph, weights: WeightMap, options: PrepareOptions = {}): Executor {
  checkWeights(graph, weights);
  const lowered = lower(graph, withSharedWeights(graph, weights));
  const threads = Math.max(1, options.threads ?? Math.min(2, availableParallelism()));
  const kernel: GemmKernel = options.kernel !== "js" && wasmKernelsSupported() ? "wasm" : "js";
  const wasm = kernel === "wasm" ? new WasmContext(threads) : undefined;
  const steps = buildSteps(graph, lowered.nodes, lowered.weights, options.fuse ?? true, wasm);
  const sizes = new Map<string, number>();
  for (const i of graph.inputs) sizes.set(i.id, numel(i.shape));
  for (const n of lowered.nodes) sizes.set(n.id, numel(n.shape));
  const plan = planBuffers(
    graph.inputs.map((i) => ({ id: i.id, size: numel(i.shape) })),
    steps,
    sizes,
    graph.outputs,
  );
  const outShapes = new Map<string, Shape>([...graph.inputs.map((i) => [i.id, i.shape] as const)]);
  for (const n of lowered.nodes) outShapes.set(n.id, n.shape);

  let pool: WorkerPool | undefined;
  let disposed = false;
  const rt: Runtime = {
    pool: () => {
      if (threads > 1 && !pool) pool = new WorkerPool(threads - 1);
      return pool;
    },
    scratch: new Float32Array(GEMM_MC * GEMM_KC),
  };
  let arena: { batch: number; data: Float32Array } | undefined;

  const view = (id: string, batch: number, data: Float32Array) => {
    const s = plan.slots.get(id)!;
    return data.subarray(s.offset * batch, (s.offset + s.size) * batch);
  };

  return {
    graph,
    arenaFloatsPerExample: plan.peak,
    kernel,
    run(inputs) {
      if (disposed) throw new ExecutionError("disposed", "executor was disposed");
      const batch = checkInputs(graph, inputs);
      if (arena?.batch !== batch) {
        const n = plan.peak * batch;
        // NOTE: a reused wasm region is zeroed like a fresh one, so no kernel sees another batch's values.
        arena = { batch, data: wasm ? wasm.arena(n).fill(0) : sharedFloats(n) };
      }
      const data = arena.data;
      for (const i of graph.inputs) view(i.id, batch, data).set(inputs[i.id]!.data);
      for (const s of steps) {
        if (!s.compute) continue;
        s.compute.run(
          s.inputs.map((i) => view(i, batch, data)),
          view(s.out, batch, data),
          batch,
          rt,
        );
      }
      const result: Record<string, TensorData> = {};
      for (const o of graph.outputs) {
        result[o] = { shape: [batch, ...(outShapes.get(o) ?? [])], data: view(o, batch, data).slice() };
      }
      return result;
    },
    dispose() {
      disposed = true;
      pool?.dispose();
      pool = undefined;
      wasm?.dispose();
      arena = undefined;
    },
  };
}

/** Validates names, dtypes and shapes of the run's inputs; returns the common batch size. */
function checkInputs(graph: Graph, inputs: Readonly<Record<string, TensorData>>): number {
  const known = new Set(graph.inputs.map((i) => i.id));
  for (const name of Object.keys(inputs)) {
    if (!known.has(name)) {
      throw new ExecutionError(
        "unknown_input",
        `input "${name}" is not an input of graph "${graph.name}" (inputs: ${[...known].join(", ")})`,
      );
    }
  }
  let batch: number | undefined;
  for (const { id, shape } of graph.inputs) {
    const t = inputs[id];
    if (!t) throw new ExecutionError("missing_input", `input "${id}" is missing`);
    if (!(t.data instanceof Float32Array)) {
      throw new ExecutionError("input_dtype", `input "${id}" must hold a Float32Array`);
    }
    const expected = `[N,${shape.join(",")}]`;
    const ok =
      Array.isArray(t.shape) &&
      t.shape.length === shape.length + 1 &&
      Number.isInteger(t.shape[0]) &&
      (t.shape[0] ?? 0) >= 1 &&
      shape.every((d, i) => t.shape[i + 1] === d);
    if (!ok) {
      throw new ExecutionError(
        "input_shape",
        `input "${id}" has shape ${formatShape(t.shape)}, expected ${expected}`,
      );
    }
    if (batch !== undefined && t.shape[0] !== batch) {
      throw new ExecutionError(
        "input_shape",
        `input "${id}" has batch ${t.shape[0]}, expected ${batch} like the other inputs`,
      );
    }
    batch = t.shape[0]!;
    if (t.data.length !== batch * numel(shape)) {
      throw new ExecutionError(
        "input_shape",
        `input "${id}" holds ${t.data.length} values, its shape ${formatShape(t.shape)} needs ${batch * numel(shape)}`,
      );
    }
  }
  return batch ?? 1;
}
