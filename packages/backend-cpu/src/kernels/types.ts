import type { CoreKind, GraphNodeOf, OpKind, Shape } from "@fusegraph/dsl";
import type { WorkerPool } from "../pool.js";
import type { WasmContext } from "../wasm/context.js";

/** Elementwise activations a kernel can apply to its own output (codes shared with gemm.ts). */
export interface FusedActivation {
  /** 0 linear, 1 relu, 2 leakyRelu, 3 sigmoid, 4 tanh. */
  code: number;
  alpha: number;
}

/** Per-channel affine map y = x * scale + shift: a following batchNorm at inference, folded into a kernel. */
export interface FoldedBatchNorm {
  scale: Float32Array;
  shift: Float32Array;
}

/** What a step needs at run time besides its buffers. */
export interface Runtime {
  /** Worker threads for large convs; undefined when running on the calling thread only. */
  pool(): WorkerPool | undefined;
  /** Packing scratch of the calling thread. */
  scratch: Float32Array;
}

/** A node prepared for execution: reads `inputs`, writes `out`, both with the batch dimension first. */
export interface Compute {
  run(inputs: readonly Float32Array[], out: Float32Array, batch: number, rt: Runtime): void;
  /**
   * The output is input 0 unchanged (dropout and flatten at inference): the executor gives the output
   * input 0's buffer and never calls `run`, which stays a correct copy for callers that run it alone.
   */
  readonly aliasesInput?: boolean;
}

export interface KernelArgs<K extends OpKind> {
  node: GraphNodeOf<K>;
  /** Shapes of the node's inputs for one example. */
  inputShapes: readonly Shape[];
  /** A weight of this node by name (already validated against the op's weight specs). */
  weight(name: string): Float32Array;
  /** A following activation applied to the output; given only to kernels whose `fuses.activation` is set. */
  activation?: FusedActivation;
  /** A following batchNorm folded into the output; given only to kernels whose `fuses.batchNorm` is set. */
  batchNorm?: FoldedBatchNorm;
  /**
   * The step has one more input after the node's own, added to the output before the activation (a
   * residual add); set only for kernels whose `fuses.residual` is set.
   */
  residual?: boolean;
  /** The executor's WebAssembly GEMM context; without it GEMM-backed kernels run on the plain-JS GEMM. */
  wasm?: WasmContext;
}

/** The fusions a kernel applies itself; the executor's fusion plan offers a kernel only these. */
export interface Fuses {
  activation?: boolean;
  batchNorm?: boolean;
  residual?: boolean;
}

export type Kernel<K extends OpKind> = ((args: KernelArgs<K>) => Compute) & {
  /** Which following nodes this kernel can take over (see `KernelArgs`); none when absent. */
  readonly fuses?: Fuses;
};

/**
 * One kernel per core kind, and only those: composite kinds (weightedAdd, conv1x1Add) have no entry,
 * because the executor rewrites them through their op's `expand()` into core kinds before it dispatches.
 */
export type KernelTable = { [K in CoreKind]: Kernel<K> };
