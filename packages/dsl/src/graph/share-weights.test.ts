import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { graphCost } from "../costs/cost.js";
import type { SpecDocumentInput } from "../document/document.js";
import type { SpecIssue } from "../issues.js";
import { validateSpec } from "../validate.js";
import type { Graph } from "./graph.js";

const lines = (...l: string[]) => `${l.join("\n")}\n`;

function issuesOf(spec: string | SpecDocumentInput): SpecIssue[] {
  const r = validateSpec(spec);
  return r.ok ? r.warnings : r.issues;
}

function graphOf(spec: string | SpecDocumentInput): Graph {
  const r = validateSpec(spec);
  if (!r.ok || r.warnings.length > 0) throw new Error(JSON.stringify(r.ok ? r.warnings : r.issues));
  return r.graph;
}

/** The document's only issue (so a cascade fails the test). */
function sole(spec: string | SpecDocumentInput): SpecIssue {
  const all = issuesOf(spec);
  expect(all, JSON.stringify(all, null, 1)).toHaveLength(1);
  return all[0]!;
}

/** Two inputs, each through a dense layer, the second sharing with `share`; summed. */
function twoDense(
  b: Record<string, unknown>,
  share = "a",
  shapes: { x: number[]; y: number[] } = { x: [8], y: [8] },
): SpecDocumentInput {
  return {
    fusegraph: 1,
    name: "tied",
    inputs: shapes,
    nodes: {
      a: { op: "dense", input: "x", units: 4 },
      b: { op: "dense", input: "y", units: 4, shareWeights: share, ...b },
      m: { merge: "add", inputs: ["a", "b"] },
    },
    outputs: ["m"],
  };
}

describe("shareWeights", () => {
  it("ties a node to another's weights: params counted once, MACs per node", () => {
    const g = graphOf(twoDense({}));
    expect(g.nodes.find((n) => n.id === "b")?.shareWeights).toBe("a");
    expect(g.nodes.find((n) => n.id === "a")?.shareWeights).toBeUndefined();
    const cost = graphCost(g);
    const [a, b] = [cost.nodes.find((n) => n.id === "a")!, cost.nodes.find((n) => n.id === "b")!];
    // dense 8 -> 4: 8*4 kernel + 4 bias = 36 params, 32 MACs, stored once under "a".
    expect(a.params.total).toBe(36);
    expect(b).toMatchObject({
      params: { trainable: 0, nonTrainable: 0, total: 0 },
      macs: 32,
      sharedFrom: "a",
    });
    expect(a.sharedFrom).toBeUndefined();
    expect(cost.total.params.total).toBe(36);
    expect(cost.total.macs).toBe(64);
  });

  it("ties conv layers of a Siamese pair: one conv's params", () => {
    const g = graphOf(
      lines(
        "fusegraph: 1",
        "name: siamese",
        "inputs: { left: [8, 8, 3], right: [8, 8, 3] }",
        "nodes:",
        "  l: { op: conv2d, input: left, filters: 16, kernelSize: 3, padding: same }",
        "  r: { op: conv2d, input: right, filters: 16, kernelSize: 3, padding: same, shareWeights: l }",
        "  lbn: { op: batchNorm, input: l }",
        "  rbn: { op: batchNorm, input: r, shareWeights: lbn }",
        "  m: { merge: concat, inputs: [lbn, rbn] }",
        "outputs: [m]",
      ),
    );
    const total = graphCost(g).total;
    // 3*3*3*16 + 16 = 448 conv params; batchNorm: 2*16 trainable, 2*16 moving statistics.
    expect(total.params).toEqual({ trainable: 448 + 32, nonTrainable: 32, total: 512 });
    expect(total.macs).toBe(2 * 8 * 8 * 16 * 27);
  });

  it("lets composite merges share when their weights match", () => {
    const doc = (n: number): SpecDocumentInput => ({
      fusegraph: 1,
      name: "wa",
      inputs: { x: [4], y: [4], z: [4] },
      nodes: {
        w1: { merge: "weightedAdd", inputs: ["x", "y"] },
        w2: { merge: "weightedAdd", inputs: ["y", "z", "x"].slice(0, n), shareWeights: "w1" },
        m: { merge: "add", inputs: ["w1", "w2"] },
      },
      outputs: ["m"],
    });
    expect(graphCost(graphOf(doc(2))).total.params.total).toBe(2);
    expect(sole(doc(3))).toMatchObject({
      code: "shape_mismatch",
      path: ["nodes", "w2", "shareWeights"],
      expected: "[2]",
      received: "[3]",
    });
  });

  it("unknown_ref: a target that does not exist, with a suggestion", () => {
    const i = sole(twoDense({}, "aa"));
    expect(i).toMatchObject({
      code: "unknown_ref",
      path: ["nodes", "b", "shareWeights"],
      nodeId: "b",
      received: "aa",
    });
    expect(i.message).toContain(
      'node "b" (dense) shares weights with "aa", which is no node. Did you mean "a"?',
    );
  });

  it("invalid_params: a target of another kind, naming both nodes", () => {
    const doc = twoDense({});
    (doc.nodes as Record<string, unknown>).a = { op: "conv2d", input: "x", filters: 4, kernelSize: 1 };
    doc.inputs = { x: [2, 2, 8], y: [8] };
    (doc.nodes as Record<string, unknown>).m = { op: "flatten", input: "a" };
    (doc.nodes as Record<string, unknown>).n = { merge: "concat", inputs: ["m", "b"] };
    doc.outputs = ["n"];
    const i = sole(doc);
    expect(i).toMatchObject({ code: "invalid_params", expected: "dense", received: "conv2d" });
    expect(i.message).toBe('node "b" (dense) shares weights with "a", a conv2d: both must be the same kind');
  });

  it("shape_mismatch: weights of another shape, with expected and received", () => {
    const i = sole(twoDense({}, "a", { x: [8], y: [16] }));
    expect(i).toMatchObject({
      code: "shape_mismatch",
      path: ["nodes", "b", "shareWeights"],
      expected: "[8,4]",
      received: "[16,4]",
    });
    expect(i.message).toContain('its kernel would have shape [16,4], expected [8,4] like "a"\'s');
  });

  it("invalid_params: weights of other names (a bias on one side only)", () => {
    const i = sole(twoDense({ useBias: false }));
    expect(i).toMatchObject({ code: "invalid_params", expected: "kernel, bias", received: "kernel" });
  });

  it("invalid_params: no chains, pointing at the original", () => {
    const doc: SpecDocumentInput = {
      fusegraph: 1,
      name: "chain",
      inputs: { x: [8] },
      nodes: {
        a: { op: "dense", input: "x", units: 8 },
        b: { op: "dense", input: "a", units: 8, shareWeights: "a" },
        c: { op: "dense", input: "b", units: 8, shareWeights: "b" },
      },
      outputs: ["c"],
    };
    const i = sole(doc);
    expect(i).toMatchObject({
      code: "invalid_params",
      path: ["nodes", "c", "shareWeights"],
      hint: "point at the original: shareWeights: a",
    });
    expect(i.message).toContain('shares weights with "b", which itself shares the weights of "a"');
  });

  it("invalid_params: a graph input, or a node without weights, has none to share", () => {
    expect(sole(twoDense({}, "x"))).toMatchObject({ code: "invalid_params", received: 'graph input "x"' });
    const act: SpecDocumentInput = {
      fusegraph: 1,
      name: "act",
      inputs: { x: [4] },
      nodes: {
        a: { op: "activation", input: "x", fn: "relu" },
        b: { op: "activation", input: "a", fn: "relu", shareWeights: "a" },
      },
      outputs: ["b"],
    };
    expect(sole(act).message).toBe(
      'node "b" (activation) shares weights with "a", but that activation has no weights',
    );
  });

  it("is no input: the target need not come first, and a target needed only for its weights is not unused", () => {
    const doc: SpecDocumentInput = {
      fusegraph: 1,
      name: "order",
      inputs: { x: [8], y: [8] },
      nodes: {
        b: { op: "dense", input: "y", units: 4, shareWeights: "a" },
        a: { op: "dense", input: "x", units: 4 },
      },
      outputs: ["b"],
    };
    const g = graphOf(doc);
    expect(g.nodes.find((n) => n.id === "b")?.inputs).toEqual(["y"]);
  });

  it("is a node field: misspelt, it is suggested; on a use, it is refused", () => {
    const doc = twoDense({});
    (doc.nodes as Record<string, unknown>).b = { op: "dense", input: "y", units: 4, shareWeight: "a" };
    const i = sole(doc);
    expect(i.message).toContain('Did you mean "shareWeights"?');
    const onUse = lines(
      "fusegraph: 1",
      "name: t",
      "inputs: { x: [4] }",
      "blocks:",
      "  b: { nodes: { d: { op: dense, input: x, units: 4 } }, output: d }",
      "nodes:",
      "  u: { use: b, input: x }",
      "  v: { use: b, input: u, shareWeights: u }",
      "outputs: [v]",
    );
    expect(sole(onUse)).toMatchObject({ code: "invalid_spec", path: ["nodes", "v", "shareWeights"] });
  });

  it("property: dense layers may share exactly when features and units agree; params count once", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 4 }),
        (f1, u1, f2, u2) => {
          const doc: SpecDocumentInput = {
            fusegraph: 1,
            name: "p",
            inputs: { x: [f1], y: [f2] },
            nodes: {
              a: { op: "dense", input: "x", units: u1 },
              b: { op: "dense", input: "y", units: u2, shareWeights: "a" },
              m: { merge: "concat", inputs: ["a", "b"] },
            },
            outputs: ["m"],
          };
          const r = validateSpec(doc);
          expect(r.ok).toBe(f1 === f2 && u1 === u2);
          if (r.ok) expect(graphCost(r.graph).total.params.total).toBe(f1 * u1 + u1);
          else expect(r.issues.map((i) => i.code)).toEqual(["shape_mismatch"]);
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe("shareWeights in blocks", () => {
  /** A recurrent step: h' = tanh(dense(x) + dense(h)), unrolled by `repeat`. */
  const rnn = (share: string, repeat = 3, extra: string[] = []) =>
    lines(
      "fusegraph: 1",
      "name: rnn",
      "inputs: { h0: [6] }",
      "blocks:",
      "  step:",
      "    inputs: [h]",
      "    nodes:",
      `      gate: { op: dense, input: h, units: 6, shareWeights: "${share}" }`,
      "      act: { op: activation, input: gate, fn: tanh }",
      "    output: act",
      ...extra,
      "nodes:",
      `  cell: { use: step, input: h0, repeat: ${repeat} }`,
      "outputs: [cell]",
    );

  it("every instance names instance 0's node; instance 0, naming itself, owns the weights", () => {
    const g = graphOf(rnn("cell.0/gate"));
    const shared = g.nodes.filter((n) => n.kind === "dense").map((n) => [n.id, n.shareWeights]);
    expect(shared).toEqual([
      ["cell.0/gate", undefined],
      ["cell.1/gate", "cell.0/gate"],
      ["cell.2/gate", "cell.0/gate"],
    ]);
    const cost = graphCost(g);
    // One dense 6 -> 6 with bias: 42 params; three steps of 36 MACs.
    expect(cost.total.params.total).toBe(42);
    expect(cost.total.macs).toBe(3 * 36);
  });

  it("interpolates a spec expression into the id: pairs of steps share", () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a spec template, not a JS one
    const g = graphOf(rnn("cell.${i - i % 2}/gate", 4));
    expect(g.nodes.filter((n) => n.kind === "dense").map((n) => n.shareWeights ?? "own")).toEqual([
      "own",
      "cell.0/gate",
      "own",
      "cell.2/gate",
    ]);
    expect(graphCost(g).total.params.total).toBe(2 * 42);
  });

  it("resolves in the enclosing instance first, so nested uses share within themselves", () => {
    const text = lines(
      "fusegraph: 1",
      "name: rnn",
      "inputs: { h0: [6] }",
      "blocks:",
      "  step:",
      "    inputs: [h]",
      "    nodes:",
      '      gate: { op: dense, input: h, units: 6, shareWeights: "cell.0/gate" }',
      "    output: gate",
      "  layer:",
      "    inputs: [h]",
      "    nodes:",
      "      cell: { use: step, input: h, repeat: 2 }",
      "    output: cell",
      "nodes:",
      "  enc: { use: layer, input: h0 }",
      "  dec: { use: layer, input: enc }",
      "outputs: [dec]",
    );
    const g = graphOf(text);
    expect(g.nodes.map((n) => [n.id, n.shareWeights])).toEqual([
      ["enc/cell.0/gate", undefined],
      ["enc/cell.1/gate", "enc/cell.0/gate"],
      ["dec/cell.0/gate", undefined],
      ["dec/cell.1/gate", "dec/cell.0/gate"],
    ]);
  });

  it("reports a bad target once for the block, not once per instance", () => {
    const i = sole(rnn("cell.0/gat"));
    expect(i).toMatchObject({
      code: "unknown_ref",
      path: ["blocks", "step", "nodes", "gate", "shareWeights"],
    });
    expect(i.message).toContain('Did you mean "cell.0/gate"?');
  });

  it("says nothing more about a target whose use failed to expand", () => {
    const text = rnn("cell.0/gate", 2, [
      "  broken:",
      "    params: { w: null }",
      "    nodes: { d: { op: dense, input: x, units: $w } }",
      "    output: d",
    ]).replace(
      "outputs: [cell]",
      [
        "  other: { use: broken, input: h0 }",
        '  tie: { op: dense, input: cell, units: 6, shareWeights: "other/d" }',
        "outputs: [tie]",
      ].join("\n"),
    );
    expect(issuesOf(text).map((i) => [i.code, i.path])).toEqual([["block_error", ["nodes", "other"]]]);
  });

  it("refuses an expression that is no id", () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a spec template, not a JS one
    const i = sole(rnn("${i}"));
    expect(i).toMatchObject({ code: "invalid_params", expected: "a node id", received: "0" });
  });
});
