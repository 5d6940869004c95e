import { fileURLToPath } from "node:url";
import type { Graph } from "@fusegraph/dsl";
import { build } from "esbuild";
import { beforeAll, describe, expect, it } from "vitest";
import { graphOf } from "./__fixtures__/graph.js";
import { useBackend } from "./backend.js";
import { checkCompilable, compileErrorOf } from "./compilable.js";
import { compile } from "./compile.js";
import { CompileError } from "./errors.js";

beforeAll(async () => {
  await useBackend("cpu");
});

const conv = (id: string, input: string, params: Record<string, unknown> = {}) => ({
  id,
  kind: "conv2d" as const,
  inputs: [input],
  params: { filters: 2, kernelSize: 3, padding: "same", ...params },
});

/** Graphs tfjs accepts and graphs it refuses, each refusal naming one node. */
const cases: { name: string; graph: Graph; refuses?: string }[] = [
  { name: "plain conv", graph: graphOf({ x: [9, 9, 2] }, [conv("c", "x")]) },
  {
    name: "strides and dilation",
    graph: graphOf({ x: [9, 9, 2] }, [conv("stem", "x"), conv("c1", "stem", { strides: 2, dilation: 2 })]),
    refuses: "c1",
  },
  {
    name: "grouped, strides and dilation",
    graph: graphOf({ x: [9, 9, 4] }, [conv("g", "x", { groups: 2, strides: [1, 2], dilation: [2, 1] })]),
    refuses: "g",
  },
  {
    name: "strides and dilation in an unused node",
    graph: graphOf(
      { x: [9, 9, 2] },
      [conv("live", "x"), conv("dead", "x", { strides: 2, dilation: 2 })],
      ["live"],
    ),
  },
  { name: "dilation alone", graph: graphOf({ x: [9, 9, 2] }, [conv("d", "x", { dilation: 2 })]) },
  { name: "an id with __", graph: graphOf({ x: [4, 4, 2] }, [conv("a__b", "x")]), refuses: "a__b" },
  {
    name: "an input id with a leading _",
    graph: graphOf({ _x: [4, 4, 2] }, [conv("c", "_x")]),
    refuses: "_x",
  },
];

describe("checkCompilable", () => {
  it("has accepted and refused cases, so agreement below is not vacuous", () => {
    expect(cases.filter((c) => c.refuses).length).toBeGreaterThanOrEqual(3);
    expect(cases.filter((c) => !c.refuses).length).toBeGreaterThanOrEqual(3);
  });

  it.each(cases)("decides as compile does: $name", ({ graph, refuses }) => {
    const issues = checkCompilable(graph);
    let err: unknown;
    try {
      compile(graph).dispose();
    } catch (e) {
      err = e;
    }
    if (refuses === undefined) {
      expect(issues).toEqual([]);
      expect(err).toBeUndefined();
      return;
    }
    expect(issues.map((i) => i.nodeId)).toEqual([refuses]);
    expect(err).toBeInstanceOf(CompileError);
    const thrown = err as CompileError;
    const predicted = compileErrorOf(issues[0]!);
    expect([thrown.nodeId, thrown.code, thrown.message]).toEqual([
      predicted.nodeId,
      predicted.code,
      predicted.message,
    ]);
  });

  it("points each issue at the node in the spec", () => {
    const [issue] = checkCompilable(cases[1]!.graph);
    expect(issue).toMatchObject({ nodeId: "c1", code: "unsupported_params", path: ["nodes", "c1"] });
    expect(issue?.message).toBe(
      "conv2d with strides [2,2] and dilation [2,2]: tfjs convolutions take strides or dilation above 1, not both",
    );
    const [input] = checkCompilable(cases[6]!.graph);
    expect(input).toMatchObject({ nodeId: "_x", code: "unsupported_id", path: ["inputs", "_x"] });
  });

  it("loads without tfjs (so `fusegraph check` need not), unlike compile", async () => {
    const here = fileURLToPath(new URL(".", import.meta.url));
    const bundled = async (entry: string) => {
      const r = await build({
        entryPoints: [`${here}${entry}`],
        bundle: true,
        write: false,
        metafile: true,
        platform: "node",
        format: "esm",
        logLevel: "silent",
        // Only this package's own modules are followed; every package import stays an import.
        packages: "external",
      });
      return Object.values(r.metafile.outputs).flatMap((o) => o.imports.map((i) => i.path));
    };
    expect((await bundled("compilable.ts")).filter((p) => p.startsWith("@tensorflow/"))).toEqual([]);
    // Negative control: the same measure sees compile's tfjs import.
    expect(await bundled("compile.ts")).toContain("@tensorflow/tfjs");
  });
});
