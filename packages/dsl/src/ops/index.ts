import type { ParamsOf } from "../define-op.js";
import { add } from "./add.js";
import { conv2d } from "./conv2d.js";

/**
 * Every op the spec language knows, keyed by kind. Backends type their kernel/lowering tables against
 * these keys, so adding an op here fails to compile until every backend handles it.
 */
export const ops = {
  conv2d,
  add,
} as const;

export type Ops = typeof ops;
export type OpKind = keyof Ops;
/** Composite ops: they have an `expand()`, so a backend may implement them natively or not at all. */
export const compositeKinds = [] as const satisfies readonly OpKind[];
export type CompositeKind = (typeof compositeKinds)[number];
/** Ops every backend must implement. */
export type CoreKind = Exclude<OpKind, CompositeKind>;
export type MergeKind = { [K in OpKind]: Ops[K]["category"] extends "merge" ? K : never }[OpKind];
export type OpParams<K extends OpKind> = ParamsOf<Ops[K]>;

export function isOpKind(kind: string): kind is OpKind {
  return Object.hasOwn(ops, kind);
}

export { add, conv2d };
