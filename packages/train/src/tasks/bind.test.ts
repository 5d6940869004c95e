import type { Graph } from "@fusegraph/dsl";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  convGraph,
  type Head,
  lstmExample,
  lstmGraph,
  tinyFpnExample,
  tinyFpnTwoWays,
  tinyHed,
  tinyUnet,
} from "./__fixtures__/graphs.js";
import { getTask, taskNames, tasks } from "./registry.js";
import type { TaskBindingResult, TaskIssue, TaskName } from "./types.js";

function expectWellFormed(issues: readonly TaskIssue[]): void {
  expect(issues.length).toBeGreaterThan(0);
  for (const i of issues) {
    expect(i.code).toBe("task_mismatch");
    expect(i.severity).toBe("error");
    expect(Array.isArray(i.path)).toBe(true);
    for (const field of [i.message, i.expected, i.received, i.hint]) {
      expect(typeof field).toBe("string");
      expect((field ?? "").length).toBeGreaterThan(0);
    }
  }
}

const issuesOf = (r: TaskBindingResult): TaskIssue[] => (r.ok ? [] : r.issues);

describe("bind on the bundled specs", () => {
  const fits: [TaskName, string, () => Graph, string][] = [
    ["shapes", "tiny-unet", tinyUnet, "image"],
    ["edges", "tiny-hed", tinyHed, "image"],
    ["blobs", "tiny-fpn-two-ways", tinyFpnTwoWays, "image"],
    ["blobs", "tiny-fpn", tinyFpnExample, "image"],
    ["sequence", "lstm", lstmExample, "sequence"],
  ];

  it.each(fits)("%s fits %s", (task, _name, graph, input) => {
    const r = tasks[task].bind(graph());
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect(r.binding.input.id).toBe(input);
      expect(r.binding.task).toBe(tasks[task]);
    }
  });

  it("tiny-unet's primary target is the 52x52 centre crop with a one-hot 2-channel softmax loss", () => {
    const r = tasks.shapes.bind(tinyUnet());
    expect(r.ok && r.binding.outputs).toEqual([
      { id: "probs", shape: [52, 52, 2], loss: "categoricalCrossentropy" },
    ]);
  });

  it("the wrong task gives task_mismatch issues with expected/received/hint, naming the fix", () => {
    const seq = issuesOf(tasks.shapes.bind(lstmExample()));
    expectWellFormed(seq);
    expect(seq[0]).toMatchObject({
      path: ["inputs", "sequence"],
      expected: "an image input [H, W, C]",
      received: "[16,32]",
    });
    expect(seq[0]!.hint).toContain("--task sequence");
    const img = issuesOf(tasks.sequence.bind(tinyUnet()));
    expectWellFormed(img);
    expect(img[0]!.hint).toContain("--task shapes");
    // FPN's 24-channel maps are not masks: one issue per output, pointing at it.
    const fpn = issuesOf(tasks.shapes.bind(tinyFpnTwoWays()));
    expectWellFormed(fpn);
    expect(fpn.map((i) => i.path)).toEqual([
      ["outputs", 0],
      ["outputs", 1],
      ["outputs", 2],
    ]);
    expect(fpn.map((i) => i.nodeId)).toEqual(["p2.out", "p3.out", "p4.out"]);
    // A softmax over channels is not a heatmap.
    expectWellFormed(issuesOf(tasks.blobs.bind(tinyUnet())));
  });

  it("never throws on graphs that are empty or malformed", () => {
    const broken = [
      { name: "empty", inputs: [], nodes: [], outputs: [] },
      { name: "dangling", inputs: [{ id: "image", shape: [32, 32, 1] }], nodes: [], outputs: ["nowhere"] },
      {
        name: "two-inputs",
        inputs: [
          { id: "a", shape: [8, 8, 1] },
          { id: "b", shape: [8, 8, 1] },
        ],
        nodes: [],
        outputs: [],
      },
      { name: "no-fields" },
    ] as unknown as Graph[];
    for (const g of broken) {
      for (const name of taskNames) {
        const r = tasks[name].bind(g);
        expect(r.ok).toBe(false);
        expectWellFormed(issuesOf(r));
      }
    }
  });

  it("getTask finds the bundled tasks only", () => {
    expect(getTask("edges")).toBe(tasks.edges);
    expect(getTask("nope")).toBeUndefined();
    expect(getTask("toString")).toBeUndefined();
    expect(taskNames).toEqual(["shapes", "edges", "blobs", "sequence"]);
  });
});

/**
 * The fit rules restated independently of the implementation, for random specs:
 * shapes/edges need one image input ≥ 8x8 and an output [h ≤ H, w ≤ W, c] (c ∈ {1, 2} resp. {1}) that
 * is not a 1-channel softmax; blobs any non-softmax image output with H, W ≥ 8; sequence an input
 * [T, F] and an output [K ≥ 2].
 */
function shouldFit(task: TaskName, s: Spec): boolean {
  if (s.kind === "seq") return task === "sequence" && s.c >= 2;
  if (task === "sequence") return false;
  const [H, W] = s.input;
  if (H! < 8 || W! < 8) return false;
  if (task === "blobs") return s.head !== "softmax";
  const h = s.pre === "pool" ? Math.floor(H! / 2) : s.pre === "up" ? 2 * H! : s.pre === "valid" ? H! - 2 : H!;
  const w = s.pre === "pool" ? Math.floor(W! / 2) : s.pre === "up" ? 2 * W! : s.pre === "valid" ? W! - 2 : W!;
  if (h > H! || w > W!) return false;
  const channels = task === "shapes" ? [1, 2] : [1];
  if (!channels.includes(s.c)) return false;
  return !(s.head === "softmax" && s.c === 1);
}

type Spec =
  | { kind: "image"; input: number[]; c: number; head: Head; pre: "none" | "pool" | "up" | "valid" }
  | { kind: "seq"; input: number[]; c: number; head: Head };

const head = fc.constantFrom<Head>("none", "sigmoid", "softmax");
const spec: fc.Arbitrary<Spec> = fc.oneof(
  fc.record({
    kind: fc.constant("image" as const),
    input: fc.tuple(
      fc.integer({ min: 4, max: 24 }),
      fc.integer({ min: 4, max: 24 }),
      fc.integer({ min: 1, max: 3 }),
    ),
    c: fc.integer({ min: 1, max: 3 }),
    head,
    pre: fc.constantFrom("none" as const, "pool" as const, "up" as const, "valid" as const),
  }),
  fc.record({
    kind: fc.constant("seq" as const),
    input: fc.tuple(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 8 })),
    c: fc.integer({ min: 1, max: 5 }),
    head,
  }),
);

const build = (s: Spec): Graph =>
  s.kind === "seq"
    ? lstmGraph(s.input[0]!, s.input[1]!, s.c, s.head)
    : convGraph(s.input, s.c, s.head, s.pre);

describe("bind over random specs (fast-check)", () => {
  it("fits exactly when the rules say; otherwise well-formed task_mismatch issues, never a throw", () => {
    fc.assert(
      fc.property(spec, (s) => {
        const g = build(s);
        for (const task of taskNames) {
          const r = tasks[task].bind(g);
          expect(r.ok, `${task} on ${JSON.stringify(s)}`).toBe(shouldFit(task, s));
          if (!r.ok) {
            expectWellFormed(r.issues);
            continue;
          }
          // A binding generates data of its own shapes, and its score of the targets against themselves is perfect.
          const batch = r.binding.generate(2, 1);
          const inputSize = r.binding.input.shape.reduce((a, d) => a * d, 1);
          expect(batch.x.length).toBe(2 * inputSize);
          const y = batch.y[0]!;
          expect(y.length).toBe(2 * r.binding.outputs[0]!.shape.reduce((a, d) => a * d, 1));
          const perfect = tasks[task].metric.higherIsBetter ? 1 : 0;
          // From-logits heads read scores, not probabilities: their targets are scored through the same head.
          if (r.binding.outputs[0]!.loss.endsWith("FromLogits")) continue;
          expect(r.binding.score(y, y, 2)).toBeCloseTo(perfect, 9);
        }
      }),
      { numRuns: 60, seed: 42 },
    );
  });

  it("the oracle is not vacuous: it accepts and rejects for every task", () => {
    const samples = fc.sample(spec, { numRuns: 200, seed: 7 });
    for (const task of taskNames) {
      const verdicts = new Set(samples.map((s) => shouldFit(task, s)));
      expect([...verdicts].sort()).toEqual([false, true]);
    }
  });
});
