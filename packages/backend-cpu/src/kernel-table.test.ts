import { compositeKinds, ops } from "@fusegraph/dsl";
import { describe, expect, it } from "vitest";
import { add } from "./kernels/add.js";
import type { KernelTable } from "./kernels/types.js";
import { kernels } from "./kernels.js";

describe("kernel table", () => {
  it("has exactly one kernel per core kind (composites run through expand())", () => {
    const core = Object.keys(ops).filter((k) => !(compositeKinds as readonly string[]).includes(k));
    expect(Object.keys(kernels).sort()).toEqual(core.sort());
    for (const k of compositeKinds) expect(ops[k].expand).toBeTypeOf("function");
  });

  it("does not compile when a core kind is missing", () => {
    const { conv2d: _dropped, ...rest } = kernels;
    // @ts-expect-error conv2d has no kernel
    const incomplete: KernelTable = rest;
    // @ts-expect-error a kernel for add cannot stand in for conv2d
    const wrong: KernelTable = { ...rest, conv2d: add };
    expect(Object.keys(incomplete)).not.toContain("conv2d");
    expect(wrong.conv2d).toBe(add);
  });
});
