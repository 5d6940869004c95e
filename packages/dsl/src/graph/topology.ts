import type { FlatNode } from "../blocks/blocks.js";
import type { SpecIssue } from "../issues.js";
import type { OpDef } from "../ops/define-op.js";
import type { OpKind } from "../ops/index.js";
import type { Shape } from "../shape.js";

/** A flat node after its kind, params, arity and refs are checked. */
export interface CheckedNode {
  flat: FlatNode;
  kind: OpKind | undefined;
  def: OpDef<string, unknown> | undefined;
  params: unknown;
  /** Resolved ids of the data inputs, then of the param refs; undefined where a ref did not resolve. */
  inputs: (string | undefined)[];
  /** Indices (into `nodes`) of the nodes this one reads. */
  deps: number[];
  /** Kind, params, arity and every ref are valid, and the node is not on a cycle. */
  ok: boolean;
  /**
   * Index (into `nodes`) of the node whose weights this one uses (`shareWeights`), set once the target
   * resolved to another node of the same kind that owns its weights. Not a dependency: no ordering.
   */
  sharesWith?: number;
}

export interface Topology {
  /** Every node once (later duplicates of an id dropped). */
  nodes: CheckedNode[];
  /** Indices into `nodes`, each after every node it reads. */
  order: number[];
  inputs: Map<string, Shape>;
  /** Resolved output ids; undefined where an output did not resolve. */
  outputs: (string | undefined)[];
}

export type Report = (i: SpecIssue) => void;

/** How a node is named in messages: `node "c1"`, or `merge "m"` for a merge. */
export const subjectOf = (f: FlatNode): string => `${f.category === "merge" ? "merge" : "node"} "${f.id}"`;

/** {@link subjectOf} with the kind: `node "c1" (conv2d)`. */
export const kindSubjectOf = (f: FlatNode): string => `${subjectOf(f)} (${f.kind})`;
