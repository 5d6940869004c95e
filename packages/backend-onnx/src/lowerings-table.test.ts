import { type CompositeKind, type CoreKind, compositeKinds, type OpKind, ops } from "@fusegraph/dsl";
import { describe, expect, expectTypeOf, it } from "vitest";
import type { Lowering } from "./lowering.js";
import { compositeLowerings, coreLowerings, lowerings } from "./lowerings.js";

/**
 * Type-level claims, proved by the root `npm run typecheck` (vitest's own typecheck is off, so running
 * this file proves nothing about them). Never called: each line either type-checks or fails the build,
 * and an `@ts-expect-error` whose error disappears fails it too.
 */
export function loweringTableTypeChecks(): void {
  // Every op kind has a lowering: a kind added to `ops` without one, or a lowering for a kind that
  // does not exist, changes one side.
  expectTypeOf<keyof typeof coreLowerings>().toEqualTypeOf<CoreKind>();
  expectTypeOf<keyof typeof compositeLowerings>().toEqualTypeOf<CompositeKind>();
  expectTypeOf<keyof typeof lowerings>().toEqualTypeOf<OpKind>();
  const { conv2d: _dropped, ...rest } = coreLowerings;
  // @ts-expect-error conv2d has no lowering
  const incomplete: { [K in CoreKind]: Lowering<K> } = rest;
  // @ts-expect-error dense's lowering cannot stand in for conv2d
  const wrong: { [K in CoreKind]: Lowering<K> } = { ...rest, conv2d: coreLowerings.dense };
  void incomplete;
  void wrong;
}

describe("lowering table", () => {
  it("has exactly one entry per op kind, the composites included", () => {
    expect(Object.keys(lowerings).sort()).toEqual(Object.keys(ops).sort());
    for (const k of compositeKinds) expect(lowerings[k], k).toBe(compositeLowerings[k]);
  });
});
