import { type CompositeKind, type CoreKind, compositeKinds, type OpKind, ops } from "@fusegraph/dsl";
import { describe, expect, expectTypeOf, it } from "vitest";
import { add } from "./kernels/add.js";
import type { KernelTable } from "./kernels/types.js";
import { kernels } from "./kernels.js";

/**
 * Type-level claims, proved by the root `npm run typecheck` (which CI runs; vitest's own typecheck is
 * off, so running this file proves nothing about them). Never called: each line either type-checks or
 * fails the build, and an `@ts-expect-error` whose error disappears fails it too.
 */
export function kernelTableTypeChecks(): void {
  // The table's keys are exactly the core kinds: a kind added to `ops` without a kernel, or a kernel
  // for a kind that does not exist, changes one side.
  expectTypeOf<keyof typeof kernels>().toEqualTypeOf<CoreKind>();
  expectTypeOf<CoreKind | CompositeKind>().toEqualTypeOf<OpKind>();
  const { conv2d: _dropped, ...rest } = kernels;
  // @ts-expect-error a table without conv2d is not a KernelTable
  const incomplete: KernelTable = rest;
  // @ts-expect-error a kernel for add cannot stand in for conv2d
  const wrong: KernelTable = { ...rest, conv2d: add };
  void incomplete;
  void wrong;
}

describe("kernel table", () => {
  it("composites have no kernel and run through their expand()", () => {
    for (const k of compositeKinds) {
      expect(Object.hasOwn(kernels, k), k).toBe(false);
      expect(ops[k].expand, k).toBeTypeOf("function");
    }
  });
});
