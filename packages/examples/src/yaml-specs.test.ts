import { readFileSync } from "node:fs";
import { formatIssue, type Graph, graphCost, validateSpec } from "@fusegraph/dsl";
import { nodeImportResolver } from "@fusegraph/dsl/node";
import { describe, expect, it } from "vitest";
import { graphOf } from "./__fixtures__/graphs.js";
import { findExample, resnet } from "./index.js";

/** A shipped YAML spec's graph, its imports resolved from its own file (they name @fusegraph/blocks). */
function yamlGraph(name: string): Graph {
  const path = findExample(name)?.yamlPath;
  if (!path) throw new Error(`${name} has no YAML spec`);
  const r = validateSpec(readFileSync(path, "utf8"), { filename: path, resolveImport: nodeImportResolver() });
  const issues = r.ok ? r.warnings : r.issues;
  if (!r.ok || issues.length > 0) throw new Error(issues.map((i) => formatIssue(i, path)).join("\n"));
  return r.graph;
}

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
    expect(text).toMatch(/\nimports:\n(?: {2}\w+: "@fusegraph\/blocks\/\w+"\n)+/); // imported, not local
    expect(text).not.toMatch(/\nblocks:/);
    const fromYaml = yamlGraph(name);
    const fromBuilder = graphOf(e.spec());
    expect(fromYaml.nodes.length).toBe(fromBuilder.nodes.length);
    expect(essence(fromYaml)).toEqual(essence(fromBuilder));
  });
});

describe("graph comparison", () => {
  it("tells apart graphs that differ in one param (conv biases)", () => {
    const fromYaml = essence(yamlGraph("resnet50"));
    expect(fromYaml).not.toEqual(essence(graphOf(resnet({ depth: 50, convBias: true }))));
  });
});

describe("YAML specs built from @fusegraph/blocks", () => {
  it.each([
    ["resnet50", 25_557_032, "@fusegraph/blocks/bottleneck"],
    ["densenet121", 7_978_856, "@fusegraph/blocks/denseLayer"],
  ] as const)("%s has %i parameters and records where its blocks came from", (name, params, specifier) => {
    const g = yamlGraph(name);
    expect(graphCost(g).total.params.trainable).toBe(params);
    const imported = g.imports?.find((i) => i.specifier === specifier);
    expect(imported?.package?.name).toBe("@fusegraph/blocks");
    expect(imported?.file).toMatch(/^@fusegraph\/blocks\/specs\/\w+\.yaml$/);
  });

  it("cannot be built without an import resolver (negative control: the blocks really are imported)", () => {
    const path = findExample("resnet50")?.yamlPath as string;
    const r = validateSpec(readFileSync(path, "utf8"), { filename: path });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.issues.map((i) => i.code)).toEqual(["import_error"]);
  });
});
