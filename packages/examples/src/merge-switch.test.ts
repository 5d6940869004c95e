import {
  compareMerges,
  graphToDocument,
  type IssueCode,
  isMergeKind,
  loadGraph,
  MERGE_KINDS,
  type MergeKind,
  type SpecIssue,
  trySwitch,
  validateSpec,
  withMerge,
} from "@fusegraph/dsl";
import { describe, expect, it } from "vitest";
import { builtinExamples } from "./catalog.js";

type Outcome = "valid" | IssueCode;

/**
 * Switching every merge of an example to one mode: "valid", or the code of the lead issue. Generated
 * once from the behaviour and reviewed: DenseNet's concats grow channels, so add/weightedAdd cannot
 * stand in; FPN/CPN's conv1x1Add merges resize and project, which no other mode does; an LSTM cell's
 * gate sums are rank 1, so concat breaks the multiply downstream and conv1x1Add wants [H,W,C].
 * A change in feasibility fails here: update the row only when the change is meant.
 */
const ALL_TO: Readonly<Record<string, Readonly<Record<MergeKind, Outcome>>>> = {
  resnet18: { add: "valid", concat: "valid", weightedAdd: "valid", conv1x1Add: "valid" },
  resnet34: { add: "valid", concat: "valid", weightedAdd: "valid", conv1x1Add: "valid" },
  resnet50: { add: "valid", concat: "valid", weightedAdd: "valid", conv1x1Add: "valid" },
  resnet101: { add: "valid", concat: "valid", weightedAdd: "valid", conv1x1Add: "valid" },
  resnet152: { add: "valid", concat: "valid", weightedAdd: "valid", conv1x1Add: "valid" },
  densenet121: { add: "shape_mismatch", concat: "valid", weightedAdd: "shape_mismatch", conv1x1Add: "valid" },
  densenet169: { add: "shape_mismatch", concat: "valid", weightedAdd: "shape_mismatch", conv1x1Add: "valid" },
  densenet201: { add: "shape_mismatch", concat: "valid", weightedAdd: "shape_mismatch", conv1x1Add: "valid" },
  unet: { add: "valid", concat: "valid", weightedAdd: "valid", conv1x1Add: "valid" },
  "fpn-resnet50": {
    add: "shape_mismatch",
    concat: "shape_mismatch",
    weightedAdd: "shape_mismatch",
    conv1x1Add: "valid",
  },
  "tiny-fpn": {
    add: "shape_mismatch",
    concat: "shape_mismatch",
    weightedAdd: "shape_mismatch",
    conv1x1Add: "valid",
  },
  "cpn-resnet50": {
    add: "shape_mismatch",
    concat: "shape_mismatch",
    weightedAdd: "shape_mismatch",
    conv1x1Add: "valid",
  },
  hed: { add: "valid", concat: "valid", weightedAdd: "valid", conv1x1Add: "valid" },
  lstm: { add: "valid", concat: "valid", weightedAdd: "valid", conv1x1Add: "valid" },
  "lstm-cell": { add: "valid", concat: "shape_mismatch", weightedAdd: "valid", conv1x1Add: "shape_mismatch" },
};

/**
 * Switching each merge alone to every other mode (cheap check, no full re-validation): how many
 * switches of each `from->to` pair succeed ("ok") or fail with which lead issue code. In a ResNet the
 * four adds followed by a downsampling projection may become concat; the others feed an identity
 * shortcut of the next block, whose add then sees doubled channels.
 */
const EACH_ALONE: Readonly<Record<string, Readonly<Record<string, number>>>> = {
  resnet18: {
    "add->concat:ok": 4,
    "add->concat:shape_mismatch": 4,
    "add->conv1x1Add:ok": 8,
    "add->weightedAdd:ok": 8,
  },
  resnet34: {
    "add->concat:ok": 4,
    "add->concat:shape_mismatch": 12,
    "add->conv1x1Add:ok": 16,
    "add->weightedAdd:ok": 16,
  },
  resnet50: {
    "add->concat:ok": 4,
    "add->concat:shape_mismatch": 12,
    "add->conv1x1Add:ok": 16,
    "add->weightedAdd:ok": 16,
  },
  resnet101: {
    "add->concat:ok": 4,
    "add->concat:shape_mismatch": 29,
    "add->conv1x1Add:ok": 33,
    "add->weightedAdd:ok": 33,
  },
  resnet152: {
    "add->concat:ok": 4,
    "add->concat:shape_mismatch": 46,
    "add->conv1x1Add:ok": 50,
    "add->weightedAdd:ok": 50,
  },
  densenet121: {
    "concat->add:shape_mismatch": 58,
    "concat->conv1x1Add:ok": 58,
    "concat->weightedAdd:shape_mismatch": 58,
  },
  densenet169: {
    "concat->add:shape_mismatch": 82,
    "concat->conv1x1Add:ok": 82,
    "concat->weightedAdd:shape_mismatch": 82,
  },
  densenet201: {
    "concat->add:shape_mismatch": 98,
    "concat->conv1x1Add:ok": 98,
    "concat->weightedAdd:shape_mismatch": 98,
  },
  unet: { "concat->add:ok": 4, "concat->conv1x1Add:ok": 4, "concat->weightedAdd:ok": 4 },
  "fpn-resnet50": {
    "add->concat:ok": 4,
    "add->concat:shape_mismatch": 12,
    "add->conv1x1Add:ok": 16,
    "add->weightedAdd:ok": 16,
    "conv1x1Add->add:shape_mismatch": 3,
    "conv1x1Add->concat:shape_mismatch": 3,
    "conv1x1Add->weightedAdd:shape_mismatch": 3,
  },
  "tiny-fpn": {
    "conv1x1Add->add:shape_mismatch": 3,
    "conv1x1Add->concat:shape_mismatch": 3,
    "conv1x1Add->weightedAdd:shape_mismatch": 3,
  },
  "cpn-resnet50": {
    "add->concat:ok": 11,
    "add->concat:shape_mismatch": 12,
    "add->conv1x1Add:ok": 23,
    "add->weightedAdd:ok": 23,
    "concat->add:ok": 1,
    "concat->conv1x1Add:ok": 1,
    "concat->weightedAdd:ok": 1,
    "conv1x1Add->add:shape_mismatch": 3,
    "conv1x1Add->concat:shape_mismatch": 3,
    "conv1x1Add->weightedAdd:shape_mismatch": 3,
  },
  hed: { "weightedAdd->add:ok": 1, "weightedAdd->concat:ok": 1, "weightedAdd->conv1x1Add:ok": 1 },
  lstm: {},
  "lstm-cell": {
    "add->concat:shape_mismatch": 20,
    "add->conv1x1Add:shape_mismatch": 20,
    "add->weightedAdd:ok": 20,
  },
};

/** A refusal must say why and what would work: a message naming a node, and a hint. */
function expectExplained(issues: readonly SpecIssue[]): void {
  expect(issues.length).toBeGreaterThan(0);
  const [lead] = issues;
  expect(lead?.message).toMatch(/"[^"]+"/);
  expect(lead?.hint, JSON.stringify(lead)).toBeTruthy();
}

it("pins an outcome for every builtin example, and only for them", () => {
  const names = builtinExamples.map((e) => e.name).sort();
  expect(Object.keys(ALL_TO).sort()).toEqual(names);
  expect(Object.keys(EACH_ALONE).sort()).toEqual(names);
});

describe.each(builtinExamples.map((e) => [e.name, e] as const))(
  "switching the merges of %s",
  (name, example) => {
    const graph = loadGraph(example.spec());
    const merges = graph.nodes.filter((n) => isMergeKind(n.kind));

    it.each(MERGE_KINDS)("all merges to %s: the pinned outcome, explained when refused", (mode) => {
      const r = withMerge(graph, { all: true }, mode);
      expect(r.ok ? "valid" : r.issues[0]?.code).toBe(ALL_TO[name]?.[mode]);
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

    it("each merge alone to every other mode: the pinned tally of outcomes", () => {
      const tally: Record<string, number> = {};
      for (const m of merges)
        for (const mode of MERGE_KINDS) {
          if (mode === m.kind) continue;
          const r = trySwitch(graph, { ids: [m.id] }, mode);
          if (r.ok) expect(r.graph.nodes.find((n) => n.id === m.id)?.kind).toBe(mode);
          const key = `${m.kind}->${mode}:${r.ok ? "ok" : r.issues[0]?.code}`;
          tally[key] = (tally[key] ?? 0) + 1;
        }
      expect(tally).toEqual(EACH_ALONE[name]);
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
