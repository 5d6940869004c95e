import type { z } from "zod";
import type { IssueCode, SpecPath } from "../issues.js";
import type { Limits } from "../limits.js";
import type { Shape } from "../shape.js";
import type { CoreKind, Ops } from "./index.js";

/**
 * How a weight starts out. Backends implement each kind (deterministically from a seed), so the same
 * seed gives the same weights everywhere. Conventions follow Keras's defaults.
 */
export type Initializer =
  | { kind: "zeros" }
  | { kind: "ones" }
  | { kind: "constant"; value: number }
  /** Explicit values, e.g. weightedAdd's `init: [...]`; length equals the weight's size. */
  | { kind: "values"; values: readonly number[] }
  /** U(-l, l) with l = sqrt(6 / (fanIn + fanOut)). */
  | { kind: "glorotUniform"; fanIn: number; fanOut: number }
  /** An orthogonal matrix over the weight's 2-D shape (Keras's recurrent kernel). */
  | { kind: "orthogonal" }
  /** LSTM bias with Keras's unit_forget_bias: ones for the forget gate's slice [units, 2*units), zeros elsewhere. */
  | { kind: "lstmBias"; units: number };

/**
 * One weight of a node. Layouts are fixed across backends (they equal Keras/TF.js layouts, so tfjs
 * weights load without transposes): conv2d kernel [kh, kw, inC/groups, filters]; conv2dTranspose kernel
 * [kh, kw, filters, inC]; dense kernel [in, units]; lstm kernel [in, 4u], recurrentKernel [u, 4u], bias [4u]
 * with gates in Keras order i, f, c, o; batchNorm gamma, beta, movingMean, movingVariance [C].
 */
export interface WeightSpec {
  name: string;
  shape: Shape;
  trainable: boolean;
  init: Initializer;
}

export interface IssueExtra {
  /** Relative to the node, e.g. `["inputs", 1]` or `["kernelSize"]`. */
  path?: SpecPath;
  expected?: string;
  received?: string;
  hint?: string;
}

/** Handed to shape rules so they report problems as issues that name the node and its inputs. */
export interface OpContext {
  readonly nodeId: string;
  /** Ids of the node's inputs, in order (for messages like `input 2 "c3.lateral"`). */
  readonly inputIds: readonly string[];
  /** The limits of the validation call (e.g. `maxPadBeyondInput` for window rules); default `LIMITS`. */
  readonly limits?: Limits;
  issue(code: IssueCode, message: string, extra?: IssueExtra): void;
}

export interface CostArgs<P> {
  inputs: readonly Shape[];
  params: P;
  output: Shape;
}

/**
 * A node produced by `expand()`: one per core (non-composite) op kind, with that kind's params as a
 * spec may write them (defaults optional), so a misspelt kind or a wrong param fails to compile.
 */
export type ExpandedNode = {
  [K in CoreKind]: { id: string; kind: K; inputs: readonly string[]; params: ParamsInputOf<Ops[K]> };
}[CoreKind];

export interface Expansion {
  /** In topological order; the last node carries the composite's own id, so consumers stay connected. */
  nodes: readonly ExpandedNode[];
  /** Composite weight name -> `expandedNodeId/weightName`, so weights carry over to the expansion. */
  weights: Readonly<Record<string, string>>;
}

export type Arity = number | "variadic" | { min: number; max: number };

export type OpCategory = "primitive" | "merge";

export interface OpDef<
  K extends string = string,
  P = unknown,
  C extends OpCategory = OpCategory,
  S extends z.ZodType = z.ZodType<P, unknown>,
> {
  kind: K;
  /** `merge` ops are written `merge: <kind>` in specs; the rest `op: <kind>`. */
  category: C;
  /** TSDoc-grade summary: shape, cost formula, source paper. Shown by the CLI and the JSON Schema. */
  doc: string;
  /** The long form: semantics, weight layouts, cost breakdown, papers. Rendered into docs/ops.md. */
  details?: string;
  /** The node's own fields (everything but `op`/`merge`/`input`/`inputs`), with defaults applied. */
  params: S;
  arity: Arity;
  /** Param fields that name other nodes (e.g. crop's `like`); they become extra inputs after the data inputs. */
  refs?: (params: P) => readonly string[];
  /** Output shape, or undefined after reporting at least one issue through ctx. */
  inferShape(inputs: readonly Shape[], params: P, ctx: OpContext): Shape | undefined;
  weights(args: CostArgs<P>): readonly WeightSpec[];
  /** Multiply-accumulates of matmul-like work (conv, dense, lstm), torchvision's "GFLOPS" convention. */
  macs(args: CostArgs<P>): number;
  /** All floating-point work: 2 per MAC plus elementwise work (bias, normalisation, activations, merges). */
  flops(args: CostArgs<P>): number;
  /** Composite ops rewrite themselves into other ops for backends that lack them. */
  expand?(node: { id: string; inputs: readonly string[] }, params: P, inputs: readonly Shape[]): Expansion;
}

/** An op's `expand()` failed (e.g. on input shapes it cannot handle); names the node and its kind. */
export class ExpansionError extends Error {
  override readonly name = "ExpansionError";
  constructor(
    readonly nodeId: string,
    readonly kind: string,
    cause: unknown,
  ) {
    super(
      `node "${nodeId}" (${kind}): expansion failed: ${cause instanceof Error ? cause.message : String(cause)}`,
      {
        cause,
      },
    );
  }
}

export function defineOp<K extends string, C extends OpCategory, S extends z.ZodType>(
  def: OpDef<K, z.output<S>, C, S>,
): OpDef<K, z.output<S>, C, S> {
  const expand = def.expand;
  if (!expand) return def;
  // Every caller (backends, tests) reaches expand() through the registry, so this is the one place
  // where a failure gets the node's id and kind instead of surfacing as a bare TypeError.
  return {
    ...def,
    expand(node, params, inputs) {
      try {
        return expand.call(def, node, params, inputs);
      } catch (e) {
        if (e instanceof ExpansionError) throw e;
        throw new ExpansionError(node.id, def.kind, e);
      }
    },
  };
}

/** Parameters of an op definition. */
export type ParamsOf<D> = D extends { params: infer S extends z.ZodType } ? z.output<S> : never;
/** What a user may write for an op's params (defaults optional). */
export type ParamsInputOf<D> = D extends { params: infer S extends z.ZodType } ? z.input<S> : never;
