import { type CoreKind, compositeKinds, ops } from "@fusegraph/dsl";
import { describe, expect, it } from "vitest";
import type { Lowering } from "./lowering.js";
import { compositeLowerings, coreLowerings, lowerings } from "./lowerings.js";

describe("lowering table", () => {
  it("covers every op kind, composites natively", () => {
    expect(Object.keys(lowerings).sort()).toEqual(Object.keys(ops).sort());
    expect(Object.keys(compositeLowerings).sort()).toEqual([...compositeKinds].sort());
  });

  it("does not compile when a kind is missing", () => {
    const { conv2d: _dropped, ...rest } = coreLowerings;
    // @ts-expect-error conv2d has no lowering
    const table: { [K in CoreKind]: Lowering<K> } = rest;
    expect(Object.hasOwn(table, "conv2d")).toBe(false);
  });
});
