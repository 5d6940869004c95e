import {
  compareMerges,
  graphToDocument,
  isMergeKind,
  loadGraph,
  MERGE_KINDS,
  type SpecIssue,
  trySwitch,
  validateSpec,
  withMerge,
} from "@fusegraph/dsl";
import { describe, expect, it } from "vitest";
import { builtinExamples } from "./catalog.js";

/** A refusal must say why and what would work: a message naming a node, and a hint. */
function expectExplained(issues: readonly SpecIssue[]): void {
  expect(issues.length).toBeGreaterThan(0);
  const [lead] = issues;
  expect(lead?.message).toMatch(/"[^"]+"/);
  expect(lead?.hint, JSON.stringify(lead)).toBeTruthy();
}

describe.each(builtinExamples.map((e) => [e.name, e] as const))(
  "switching the merges of %s",
  (_name, example) => {
    const graph = loadGraph(example.spec());
    const merges = graph.nodes.filter((n) => isMergeKind(n.kind));

    it.each(MERGE_KINDS)("all merges to %s: a valid graph or explained issues, never a throw", (mode) => {
      const r = withMerge(graph, { all: true }, mode);
      if (!r.ok) {
        expectExplained(r.issues);
        return;
      }
      expect(r.switched.length).toBe(merges.filter((m) => m.kind !== mode).length);
      for (const s of r.switched) expect(r.graph.nodes.find((n) => n.id === s.id)?.kind).toBe(mode);
      expect(validateSpec(graphToDocument(r.graph)).ok).toBe(true);
      const c = compareMerges(graph, { all: true }, mode);
      expect(c.ok).toBe(true);
      if (c.ok) expect(c.comparison.merges.map((m) => m.id)).toEqual(r.switched.map((s) => s.id));
    });

    it("each merge alone to every other mode: a valid graph or explained issues", () => {
      for (const m of merges)
        for (const mode of MERGE_KINDS) {
          if (mode === m.kind) continue;
          const r = trySwitch(graph, { ids: [m.id] }, mode);
          if (r.ok) expect(r.graph.nodes.find((n) => n.id === m.id)?.kind).toBe(mode);
          else expect(r.issues.length).toBeGreaterThan(0);
        }
      // The first few also through full re-validation, which leads downstream failures with a hint.
      for (const m of merges.slice(0, 3))
        for (const mode of MERGE_KINDS) {
          if (mode === m.kind) continue;
          const full = withMerge(graph, { ids: [m.id] }, mode);
          expect(full.ok).toBe(trySwitch(graph, { ids: [m.id] }, mode).ok);
          if (!full.ok) expectExplained(full.issues);
        }
    });
  },
);
