import type { CoreKind, GraphNodeOf, OpKind, Shape } from "@fusegraph/dsl";
import type { WorkerPool } from "../pool.js";

/** Elementwise activations a kernel can apply to its own output (codes shared with gemm.ts). */
export interface FusedActivation {
  /** 0 linear, 1 relu, 2 leakyRelu, 3 sigmoid, 4 tanh. */
  code: number;
  alpha: number;
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
}

export interface KernelArgs<K extends OpKind> {
  node: GraphNodeOf<K>;
  /** Shapes of the node's inputs for one example. */
  inputShapes: readonly Shape[];
  /** A weight of this node by name (already validated against the op's weight specs). */
  weight(name: string): Float32Array;
  /** An activation fused into this node's output, for the kinds that accept one. */
  activation?: FusedActivation;
}

export type Kernel<K extends OpKind> = (args: KernelArgs<K>) => Compute;

/** Every core kind must have a kernel; composites may have a native one or fall back to expand(). */
export type KernelTable = { [K in CoreKind]: Kernel<K> };
