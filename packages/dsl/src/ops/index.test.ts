import { describe, expect, expectTypeOf, it } from "vitest";
import {
  type CompositeKind,
  type CoreKind,
  compositeKinds,
  isCompositeKind,
  isOpKind,
  type MergeKind,
  type OpKind,
  type OpParams,
  ops,
} from "./index.js";

describe("op registry", () => {
  it("keys every op by its own kind", () => {
    for (const [key, def] of Object.entries(ops)) expect(def.kind).toBe(key);
    expect(Object.keys(ops)).toHaveLength(23);
  });

  it("composites are exactly the ops with expand()", () => {
    const withExpand = Object.values(ops)
      .filter((d) => "expand" in d && typeof d.expand === "function")
      .map((d) => d.kind);
    expect(withExpand.sort()).toEqual([...compositeKinds].sort());
    expect(isCompositeKind("weightedAdd")).toBe(true);
    expect(isCompositeKind("add")).toBe(false);
  });

  it("merges are add, concat, weightedAdd and conv1x1Add", () => {
    const merges = Object.values(ops)
      .filter((d) => d.category === "merge")
      .map((d) => d.kind);
    expect(merges.sort()).toEqual(["add", "concat", "conv1x1Add", "weightedAdd"]);
    expectTypeOf<MergeKind>().toEqualTypeOf<"add" | "concat" | "weightedAdd" | "conv1x1Add">();
    expectTypeOf<CompositeKind>().toEqualTypeOf<"weightedAdd" | "conv1x1Add">();
    expectTypeOf<"lstm">().toMatchTypeOf<CoreKind>();
  });

  it("isOpKind narrows only registered kinds", () => {
    expect(isOpKind("conv2dTranspose")).toBe(true);
    expect(isOpKind("toString")).toBe(false);
    expect(isOpKind("Conv2D")).toBe(false);
  });

  it("types params per kind", () => {
    expectTypeOf<OpParams<"dense">>().toEqualTypeOf<{ units: number; useBias: boolean }>();
    expectTypeOf<OpParams<"activation">["fn"]>().toEqualTypeOf<
      "relu" | "leakyRelu" | "sigmoid" | "tanh" | "softmax"
    >();
    // @ts-expect-error a kind that is not registered does not type-check as an OpKind
    const bad: OpKind = "gelu";
    expect(isOpKind(bad)).toBe(false);
  });
});
