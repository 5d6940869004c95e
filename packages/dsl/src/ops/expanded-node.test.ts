import { describe, expect, it } from "vitest";
import type { ExpandedNode } from "./define-op.js";
import { opDef } from "./index.js";

// Type-level checks: the root `tsc --noEmit` fails if a bad expansion node compiles (each
// `@ts-expect-error` becomes an "unused directive" error) or if a good one does not.
const good: ExpandedNode = {
  id: "x/proj0",
  kind: "conv2d",
  inputs: ["a"],
  params: { filters: 4, kernelSize: 1 },
};
// @ts-expect-error a misspelt kind is not an op kind
const misspelt: ExpandedNode = { id: "x/sum", kind: "ad", inputs: ["a", "b"], params: {} };
const wrongParam: ExpandedNode = {
  id: "x/p",
  kind: "conv2d",
  inputs: ["a"],
  // @ts-expect-error conv2d has no `filter` param (it is `filters`)
  params: { filter: 4, kernelSize: 1 },
};
// @ts-expect-error composites do not expand into composites
const composite: ExpandedNode = { id: "x/w", kind: "weightedAdd", inputs: ["a", "b"], params: {} };

describe("ExpandedNode", () => {
  it("accepts what the op's schema accepts and the type refuses what the schema refuses", () => {
    expect(opDef(good.kind).params.safeParse(good.params).success).toBe(true);
    // Negative control: the nodes the type refuses are refused at run time too.
    expect(opDef("conv2d").params.safeParse(wrongParam.params).success).toBe(false);
    expect(Object.hasOwn({ add: 1 }, misspelt.kind)).toBe(false);
    expect(composite.kind).toBe("weightedAdd");
  });
});
