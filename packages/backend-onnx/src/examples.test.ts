import { builtinExamples, listExamples } from "@fusegraph/examples";
import { describe, expect, it } from "vitest";
import { describeExamples } from "./__fixtures__/examples.js";

describe("example coverage", () => {
  it("the two example files cover every bundled example", () => {
    const names = listExamples().map((e) => e.name);
    for (const e of builtinExamples) expect(names).toContain(e.name);
  });
});

describeExamples(
  "Bundled examples other than the ResNets",
  listExamples().filter((e) => !e.name.startsWith("resnet")),
);
