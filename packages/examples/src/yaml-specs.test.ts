import { readFileSync } from "node:fs";
import type { Graph } from "@fusegraph/dsl";
import { describe, expect, it } from "vitest";
import { graphOf } from "./__fixtures__/graphs.js";
import { findExample, resnet } from "./index.js";

/** Everything that defines a graph: ids, kinds, resolved inputs, params with defaults, shapes. */
function essence(g: Graph) {
  return {
    name: g.name,
    inputs: g.inputs,
    outputs: g.outputs,
    nodes: Object.fromEntries(
      g.nodes.map((n) => [n.id, { kind: n.kind, inputs: n.inputs, params: n.params, shape: n.shape }]),
    ),
  };
}

describe("YAML specs", () => {
  it.each([
    ["resnet50", 80],
    ["densenet121", 80],
    ["tiny-fpn", 80],
  ] as const)("specs/%s.yaml gives the builder's graph and fits in %i lines", (name, maxLines) => {
    const e = findExample(name);
    if (!e?.yamlPath) throw new Error(`${name} has no YAML spec`);
    const text = readFileSync(e.yamlPath, "utf8");
    expect(text.trimEnd().split("\n").length).toBeLessThanOrEqual(maxLines);
    expect(text).toMatch(/\n {2}[\w.]+: \{ use: \w+/); // written with blocks
    const fromYaml = graphOf(text);
    const fromBuilder = graphOf(e.spec());
    expect(fromYaml.nodes.length).toBe(fromBuilder.nodes.length);
    expect(essence(fromYaml)).toEqual(essence(fromBuilder));
  });
});

describe("graph comparison", () => {
  it("tells apart graphs that differ in one param (conv biases)", () => {
    const e = findExample("resnet50");
    if (!e?.yamlPath) throw new Error("resnet50 has no YAML spec");
    const fromYaml = essence(graphOf(readFileSync(e.yamlPath, "utf8")));
    expect(fromYaml).not.toEqual(essence(graphOf(resnet({ depth: 50, convBias: true }))));
  });
});
