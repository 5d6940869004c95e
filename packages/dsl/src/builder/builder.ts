import type { z } from "zod";
import type { SpecDocumentInput } from "../document/document.js";
import { issue, SpecError } from "../issues.js";
import type { MergeKind, OpKind, OpParams, Ops } from "../ops/index.js";

/**
 * A typed builder for spec documents: the same document YAML gives, written in TypeScript, with each
 * op's params checked by the compiler. Nodes are referred to by the handles the builder returns, so
 * a misspelt node is an unknown variable, not a runtime `unknown_ref`.
 *
 * ```ts
 * const g = spec("tiny-fpn");
 * const x = g.input("image", [64, 64, 3]);
 * const c1 = g.op("c1", "conv2d", x, { filters: 32, kernelSize: 3 });
 * g.outputs(c1);
 * const doc = g.toDocument();
 * ```
 */

declare const scopeBrand: unique symbol;

/** A node (or graph input) of one scope: `"spec"` for the top level, `"block"` inside a block body. */
export interface NodeRef<S extends RefScope = "spec"> {
  readonly id: string;
  readonly [scopeBrand]: S;
}
export type RefScope = "spec" | "block";

/** `$name` or `${expr}`: every template starts with `$`. */
export type Template = `$${string}`;

/** A value where any part may be a template instead (param values inside blocks). */
export type Templated<T> = T extends readonly unknown[]
  ? { [I in keyof T]: Templated<T[I]> } | Template
  : T extends object
    ? { [F in keyof T]: Templated<T[F]> } | Template
    : T | Template;

/**
 * What a user writes for op K's params: the input type of its zod schema, so fields with defaults are
 * optional. Falls back to all-optional output params while an op's definition hides its schema type.
 */
export type OpInput<K extends OpKind> =
  unknown extends z.input<Ops[K]["params"]> ? Partial<OpParams<K>> : z.input<Ops[K]["params"]>;

export type PrimitiveKind = Exclude<OpKind, MergeKind>;
export type Condition = boolean | Template;

export interface NodeOptions {
  /** The node exists only when this holds; a skipped node stands for its first input. */
  if?: Condition;
  /** Use another node's weights (same op, same weight shapes), e.g. an unrolled RNN step. */
  shareWeights?: { readonly id: string } | string;
}

/** Block params with their defaults; `null` marks a param every use must give. */
export type BlockParams = Record<string, unknown>;

type RequiredKeys<P> = { [K in keyof P]: P[K] extends null ? K : never }[keyof P];
/** `with:` of a use: required params must be given, the rest may be. */
export type BlockArgs<P extends BlockParams> = { [K in RequiredKeys<P>]: unknown } & {
  [K in Exclude<keyof P, RequiredKeys<P>>]?: unknown;
};

export type UseOptions<P extends BlockParams> = NodeOptions & {
  /** Chain n instances, each fed by the previous one's output. */
  repeat?: number | Template;
} & ([RequiredKeys<P>] extends [never] ? { with?: BlockArgs<P> } : { with: BlockArgs<P> });

/** The options argument of `use`, optional when the block has no required params. */
type OptionalIfNoRequired<P extends BlockParams> = [RequiredKeys<P>] extends [never]
  ? [opts?: UseOptions<P>]
  : [opts: UseOptions<P>];

/** A block defined by {@link SpecBuilder.block}, to pass to `use`. */
export interface BlockRef<P extends BlockParams, I extends readonly string[]> {
  readonly name: string;
  /** Phantom: carries the params and inputs types. */
  readonly signature?: (params: P, inputs: I) => void;
}

type Handles<I extends readonly string[], S extends RefScope> = { [K in keyof I]: NodeRef<S> };
/** One handle for a one-input block, a tuple otherwise. */
type UseInputs<I extends readonly string[], S extends RefScope> = I extends readonly [string]
  ? NodeRef<S> | readonly [NodeRef<S>]
  : Handles<I, S>;

type NodeFields = Record<string, unknown>;

class Handle {
  constructor(
    readonly id: string,
    readonly owner: object,
  ) {}
}

function fail(id: string, message: string, code: "duplicate_id" | "unknown_ref" = "duplicate_id"): never {
  throw new SpecError([issue(code, ["nodes", id], message, { nodeId: id })]);
}

/** Nodes of one scope (the document or a block body); shared by both builders. */
class NodeTable {
  readonly nodes: Record<string, NodeFields> = {};
  readonly taken = new Set<string>();

  add(id: string, fields: NodeFields): Handle {
    if (this.taken.has(id)) fail(id, `builder: id "${id}" is used twice`);
    this.taken.add(id);
    Object.defineProperty(this.nodes, id, {
      value: fields,
      enumerable: true,
      writable: true,
      configurable: true,
    });
    return new Handle(id, this);
  }

  /** The id behind a handle, which must come from this scope. */
  ref(h: { readonly id: string }): string {
    if (!(h instanceof Handle) || h.owner !== this) {
      fail(h.id, `builder: "${h.id}" belongs to another spec or block`, "unknown_ref");
    }
    return h.id;
  }

  refs(input: { readonly id: string } | readonly { readonly id: string }[]): NodeFields {
    return Array.isArray(input)
      ? { inputs: input.map((h) => this.ref(h)) }
      : { input: this.ref(input as { readonly id: string }) };
  }
}

function withIf(opts: NodeOptions | undefined): NodeFields {
  const share = opts?.shareWeights;
  return {
    ...(opts?.if === undefined ? {} : { if: opts.if }),
    ...(share === undefined ? {} : { shareWeights: typeof share === "string" ? share : share.id }),
  };
}

function useFields(
  block: { readonly name: string },
  inputs: NodeFields,
  opts: { repeat?: number | Template; with?: object; if?: Condition } | undefined,
): NodeFields {
  return {
    use: block.name,
    ...inputs,
    ...(opts?.repeat === undefined ? {} : { repeat: opts.repeat }),
    ...(opts?.with === undefined ? {} : { with: opts.with }),
    ...withIf(opts),
  };
}

/** Builds a block body; its handles cannot leak into the document's scope. */
export class BlockBuilder<P extends BlockParams> {
  /** @internal */
  readonly table = new NodeTable();

  /** `$name`: the value of a block param (or `i`, `n`), of any type. */
  p<N extends (keyof P & string) | "i" | "n">(name: N): `$${N}` {
    return `$${name}`;
  }

  /** `${expr}`: an integer or boolean computed from the block's params, e.g. `b.expr("width * 4")`. */
  expr(text: string): Template {
    return `\${${text}}`;
  }

  op<K extends PrimitiveKind>(
    id: string,
    kind: K,
    input: NodeRef<"block"> | readonly NodeRef<"block">[],
    params: Templated<OpInput<K>>,
    opts?: NodeOptions,
  ): NodeRef<"block"> {
    return this.table.add(id, {
      op: kind,
      ...this.table.refs(input),
      ...(params as object),
      ...withIf(opts),
    }) as unknown as NodeRef<"block">;
  }

  merge<K extends MergeKind>(
    id: string,
    kind: K,
    inputs: readonly NodeRef<"block">[],
    params?: Templated<OpInput<K>>,
    opts?: NodeOptions,
  ): NodeRef<"block"> {
    return this.table.add(id, {
      merge: kind,
      inputs: inputs.map((h) => this.table.ref(h)),
      ...(params as object | undefined),
      ...withIf(opts),
    }) as unknown as NodeRef<"block">;
  }

  use<Q extends BlockParams, I extends readonly string[]>(
    id: string,
    block: BlockRef<Q, I>,
    inputs: UseInputs<I, "block">,
    ...opts: OptionalIfNoRequired<Q>
  ): NodeRef<"block"> {
    const fields = useFields(block, this.table.refs(inputs as NodeRef<"block">), opts[0]);
    return this.table.add(id, fields) as unknown as NodeRef<"block">;
  }
}

export interface BlockDefinition<P extends BlockParams, I extends readonly string[]> {
  params?: P;
  inputs?: I;
  doc?: string;
}

/** Builds a whole spec document. */
export class SpecBuilder {
  private readonly table = new NodeTable();
  private readonly graphInputs: Record<string, number[]> = {};
  private readonly blocks: Record<string, NonNullable<SpecDocumentInput["blocks"]>[string]> = {};
  private outputIds: string[] = [];

  constructor(
    readonly name: string,
    private readonly doc?: string,
  ) {}

  input(id: string, shape: readonly number[]): NodeRef {
    const h = this.table.add(id, {});
    delete this.table.nodes[id]; // graph inputs share the id namespace but live under `inputs:`
    this.graphInputs[id] = [...shape];
    return h as unknown as NodeRef;
  }

  op<K extends PrimitiveKind>(
    id: string,
    kind: K,
    input: NodeRef | readonly NodeRef[],
    params: OpInput<K>,
    opts?: NodeOptions,
  ): NodeRef {
    return this.table.add(id, {
      op: kind,
      ...this.table.refs(input),
      ...(params as object),
      ...withIf(opts),
    }) as unknown as NodeRef;
  }

  merge<K extends MergeKind>(
    id: string,
    kind: K,
    inputs: readonly NodeRef[],
    params?: OpInput<K>,
    opts?: NodeOptions,
  ): NodeRef {
    return this.table.add(id, {
      merge: kind,
      inputs: inputs.map((h) => this.table.ref(h)),
      ...(params as object | undefined),
      ...withIf(opts),
    }) as unknown as NodeRef;
  }

  /**
   * Defines a block. `body` receives a builder and one handle per input, and returns the output.
   * Inputs default to `["x"]`, as in the document.
   */
  block<
    const P extends BlockParams = Record<never, never>,
    const I extends readonly string[] = readonly ["x"],
  >(
    name: string,
    def: BlockDefinition<P, I>,
    body: (b: BlockBuilder<P>, inputs: Handles<I, "block">) => NodeRef<"block">,
  ): BlockRef<P, I> {
    if (Object.hasOwn(this.blocks, name)) {
      throw new SpecError([
        issue("duplicate_id", ["blocks", name], `builder: block "${name}" is defined twice`),
      ]);
    }
    const b = new BlockBuilder<P>();
    const names = (def.inputs ?? ["x"]) as readonly string[];
    const handles = names.map((n) => {
      const h = b.table.add(n, {});
      delete b.table.nodes[n];
      return h;
    });
    const out = b.table.ref(body(b, handles as unknown as Handles<I, "block">));
    this.blocks[name] = {
      ...(def.doc === undefined ? {} : { doc: def.doc }),
      ...(def.params === undefined ? {} : { params: { ...def.params } }),
      ...(def.inputs === undefined ? {} : { inputs: [...names] }),
      nodes: b.table.nodes as Record<string, NodeFields>,
      output: out,
    };
    return { name };
  }

  use<P extends BlockParams, I extends readonly string[]>(
    id: string,
    block: BlockRef<P, I>,
    inputs: UseInputs<I, "spec">,
    ...opts: OptionalIfNoRequired<P>
  ): NodeRef {
    const fields = useFields(block, this.table.refs(inputs as NodeRef), opts[0]);
    return this.table.add(id, fields) as unknown as NodeRef;
  }

  outputs(...refs: NodeRef[]): this {
    this.outputIds = refs.map((h) => this.table.ref(h));
    return this;
  }

  toDocument(): SpecDocumentInput {
    return {
      fusegraph: 1,
      name: this.name,
      ...(this.doc === undefined ? {} : { doc: this.doc }),
      inputs: structuredClone(this.graphInputs),
      ...(Object.keys(this.blocks).length === 0 ? {} : { blocks: structuredClone(this.blocks) }),
      nodes: structuredClone(this.table.nodes) as SpecDocumentInput["nodes"],
      outputs: [...this.outputIds],
    };
  }
}

/** Starts a spec document named `name`. */
export function spec(name: string, doc?: string): SpecBuilder {
  return new SpecBuilder(name, doc);
}
