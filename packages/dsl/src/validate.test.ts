import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { SpecDocumentInput } from "./document/document.js";
import { SpecError, type SpecIssue } from "./issues.js";
import { LIMITS } from "./limits.js";
import { loadGraph } from "./load.js";
import { validateSpec } from "./validate.js";

/** 1-based line and column of the `nth` occurrence of `needle` in `text`. */
function pos(text: string, needle: string, nth = 0): { line: number; column: number } {
  let at = -1;
  for (let k = 0; k <= nth; k++) {
    at = text.indexOf(needle, at + 1);
    if (at < 0) throw new Error(`"${needle}" not in text`);
  }
  const before = text.slice(0, at).split("\n");
  return { line: before.length, column: (before[before.length - 1]?.length ?? 0) + 1 };
}

const lines = (...l: string[]) => `${l.join("\n")}\n`;

function issuesOf(text: string): SpecIssue[] {
  const r = validateSpec(text);
  return r.ok ? r.warnings : r.issues;
}

function only(text: string, code: SpecIssue["code"]): SpecIssue {
  const found = issuesOf(text).filter((i) => i.code === code);
  expect(found, JSON.stringify(issuesOf(text), null, 1)).toHaveLength(1);
  return found[0]!;
}

describe("validateSpec: one test per issue code", () => {
  it("parse_error: a JSON syntax error at its line and column", () => {
    const text = '{\n  "fusegraph": 1,\n  "name": "t",,\n  "inputs": {}\n}\n';
    const r = validateSpec(text);
    expect(r.ok).toBe(false);
    const i = only(text, "parse_error");
    expect(i.path).toEqual([]);
    expect({ line: i.line, column: i.column }).toEqual({ line: 3, column: 15 });
  });

  it("parse_error: a YAML syntax error at its line", () => {
    const text = lines("fusegraph: 1", "name: t", "inputs:", "  x: [8, 8", "nodes: {}");
    const i = only(text, "parse_error");
    // The unclosed `[` is noticed where the next key starts.
    expect({ line: i.line, column: i.column }).toEqual({ line: 5, column: 1 });
    expect(i.message).toMatch(/YAML syntax error: Flow sequence .* end with a \]/);
  });

  it("invalid_spec: a bad input dimension, at the dimension", () => {
    const text = lines(
      "fusegraph: 1",
      "name: t",
      "inputs:",
      "  x: [8, 0, 4]",
      "nodes:",
      "  c1: { op: conv2d, input: x, filters: 4, kernelSize: 3 }",
      "outputs: [c1]",
    );
    const i = only(text, "invalid_spec");
    expect(i.path).toEqual(["inputs", "x", 1]);
    expect({ line: i.line, column: i.column }).toEqual(pos(text, "0, 4]"));
    expect(i.received).toBe("0");
    expect(i.expected).toBe("a number > 0");
    // The broken input does not also make c1's ref unknown.
    expect(issuesOf(text).map((x) => x.code)).toEqual(["invalid_spec"]);
  });

  it("invalid_spec: an unknown top-level field suggests the right one", () => {
    const text = lines(
      "fusegraph: 1",
      "name: t",
      "inputs: { x: [4] }",
      "nodes: {}",
      "outputs: [x]",
      "output: [x]",
    );
    const i = issuesOf(text).find((x) => x.path[0] === "output")!;
    expect(i.code).toBe("invalid_spec");
    expect(i.message).toContain('Did you mean "outputs"?');
    expect({ line: i.line, column: i.column }).toEqual({ line: 6, column: 1 });
  });

  it("invalid_params: path, expected and received of a bad param", () => {
    const text = lines(
      "fusegraph: 1",
      "name: t",
      "inputs: { x: [8, 8, 4] }",
      "nodes:",
      "  c1: { op: conv2d, input: x, filters: -4, kernelSize: 3 }",
      "outputs: [c1]",
    );
    const i = only(text, "invalid_params");
    expect(i).toMatchObject({
      path: ["nodes", "c1", "filters"],
      nodeId: "c1",
      expected: "a number > 0",
      received: "-4",
      ...pos(text, "filters: -4"),
    });
    expect(i.message).toContain('node "c1" (conv2d)');
  });

  it("invalid_params: a misspelt field suggests the param", () => {
    const text = lines(
      "fusegraph: 1",
      "name: t",
      "inputs: { x: [8, 8, 4] }",
      "nodes:",
      "  c1: { op: conv2d, input: x, filters: 4, kernelSize: 3, stride: 2 }",
      "outputs: [c1]",
    );
    const i = only(text, "invalid_params");
    expect(i.path).toEqual(["nodes", "c1", "stride"]);
    expect(i.message).toContain('Did you mean "strides"?');
    expect({ line: i.line, column: i.column }).toEqual(pos(text, "stride:"));
  });

  it("unknown_ref: names the missing id and suggests the closest", () => {
    const text = lines(
      "fusegraph: 1",
      "name: t",
      "inputs: { image: [8, 8, 4] }",
      "nodes:",
      "  c1: { op: conv2d, input: imgae, filters: 4, kernelSize: 3 }",
      "  m: { merge: add, inputs: [c1, c2] }",
      "outputs: [c1, m, toString]",
    );
    const refs = issuesOf(text).filter((i) => i.code === "unknown_ref");
    expect(refs.map((i) => i.path)).toEqual([
      ["nodes", "c1", "input"],
      ["nodes", "m", "inputs", 1],
      ["outputs", 2],
    ]);
    const [a, b, c] = refs as [SpecIssue, SpecIssue, SpecIssue];
    expect(a).toMatchObject({ nodeId: "c1", received: "imgae", ...pos(text, "input: imgae") });
    expect(a.message).toContain('Did you mean "image"?');
    expect(b).toMatchObject({ nodeId: "m", ...pos(text, "c2]") });
    expect(b.message).toContain('Did you mean "c1"?');
    // Object.prototype's members are not ids.
    expect(c).toMatchObject({ received: "toString", ...pos(text, "toString") });
  });

  it("duplicate_id: a node named like an input, and a node key written twice", () => {
    const text = lines(
      "fusegraph: 1",
      "name: t",
      "inputs: { x: [8, 8, 4] }",
      "nodes:",
      "  x: { op: conv2d, input: c1, filters: 4, kernelSize: 1 }",
      "  c1: { op: conv2d, input: x, filters: 4, kernelSize: 1 }",
      "  c1: { op: conv2d, input: x, filters: 8, kernelSize: 1 }",
      "outputs: [c1]",
    );
    const dups = issuesOf(text).filter((i) => i.code === "duplicate_id");
    expect(dups).toHaveLength(2);
    expect(dups[0]).toMatchObject({ path: ["nodes", "x"], nodeId: "x", ...pos(text, "x: { op") });
    expect(dups[0]!.column).toBe(3);
    expect(dups[1]).toMatchObject({ path: ["nodes", "c1"], nodeId: "c1", line: 7, column: 3 });
  });

  it("cycle: names every node of the loop, in data-flow order", () => {
    const text = lines(
      "fusegraph: 1",
      "name: t",
      "inputs: { x: [8, 8, 4] }",
      "nodes:",
      "  a: { op: conv2d, input: c, filters: 4, kernelSize: 1 }",
      "  b: { op: conv2d, input: a, filters: 4, kernelSize: 1 }",
      "  c: { op: conv2d, input: b, filters: 4, kernelSize: 1 }",
      "  out: { op: conv2d, input: c, filters: 4, kernelSize: 1 }",
      "outputs: [out]",
    );
    const i = only(text, "cycle");
    expect(i).toMatchObject({ path: ["nodes", "a"], nodeId: "a", line: 5, column: 3 });
    expect(i.message).toContain('"a" -> "b" -> "c" -> "a"');
    // Nodes downstream of the cycle are not reported again.
    expect(issuesOf(text).map((x) => x.code)).toEqual(["cycle"]);
  });

  it("shape_mismatch: an add of different channel counts, at the offending input", () => {
    const text = lines(
      "fusegraph: 1",
      "name: t",
      "inputs: { x: [8, 8, 4] }",
      "nodes:",
      "  c1: { op: conv2d, input: x, filters: 4, kernelSize: 1 }",
      "  c2: { op: conv2d, input: x, filters: 8, kernelSize: 1 }",
      "  m: { merge: add, inputs: [c1, c2] }",
      "outputs: [m]",
    );
    const i = only(text, "shape_mismatch");
    expect(i).toMatchObject({
      path: ["nodes", "m", "inputs", 1],
      nodeId: "m",
      expected: "[8,8,4]",
      received: "[8,8,8]",
      ...pos(text, "c2]"),
    });
    expect(i.message).toContain('"c2"');
  });

  it("unknown_op: suggests the kind and lists the category's kinds", () => {
    const text = lines(
      "fusegraph: 1",
      "name: t",
      "inputs: { x: [8, 8, 4] }",
      "nodes:",
      "  c1: { op: conv2, input: x, filters: 4, kernelSize: 1 }",
      "  m: { merge: sum, inputs: [c1, c1] }",
      "  a: { op: add, inputs: [m, m] }",
      "outputs: [a]",
    );
    const ops = issuesOf(text).filter((i) => i.code === "unknown_op");
    expect(ops.map((i) => i.path)).toEqual([
      ["nodes", "c1", "op"],
      ["nodes", "m", "merge"],
      ["nodes", "a", "op"],
    ]);
    const [conv, sum, add] = ops as [SpecIssue, SpecIssue, SpecIssue];
    expect(conv).toMatchObject({ nodeId: "c1", ...pos(text, "op: conv2,") });
    expect(conv.message).toContain('Did you mean "conv2d"?');
    expect(conv.hint).toContain("conv2d");
    expect(conv.hint).not.toContain("concat");
    expect(sum.hint).toContain("add");
    expect(sum.hint).toContain("concat");
    expect(sum.hint).not.toContain("conv2d,");
    expect(add.message).toContain("write merge: add");
  });

  it("limit_exceeded: a 10^12-element input is rejected before inference", () => {
    const text = lines(
      "fusegraph: 1",
      "name: t",
      "inputs: { x: [1000000, 1000000] }",
      "nodes:",
      "  d: { op: dense, input: x, units: 4 }",
      "outputs: [d]",
    );
    const i = only(text, "limit_exceeded");
    expect(i).toMatchObject({ path: ["inputs", "x"], ...pos(text, "x: [") });
    expect(i.message).toContain("1.00e+12");
    expect(i.hint).toContain("without the batch");
    expect(issuesOf(text)).toHaveLength(1);
  });

  it("limit_exceeded: an inferred tensor above MAX_ELEMENTS, at its node", () => {
    const text = lines(
      "fusegraph: 1",
      "name: t",
      "inputs: { x: [1000, 1000, 3] }",
      "nodes:",
      "  wide: { op: conv2d, input: x, filters: 1000000, kernelSize: 1 }",
      "outputs: [wide]",
    );
    const i = only(text, "limit_exceeded");
    expect(i).toMatchObject({ path: ["nodes", "wide"], nodeId: "wide", line: 5, column: 3 });
    expect(i.received).toBe("[1000,1000,1000000]");
  });

  it("unused_node: a warning that rides along with success", () => {
    const text = lines(
      "fusegraph: 1",
      "name: t",
      "inputs: { x: [8, 8, 4] }",
      "nodes:",
      "  c1: { op: conv2d, input: x, filters: 4, kernelSize: 1 }",
      "  u: { op: conv2d, input: x, filters: 4, kernelSize: 1 }",
      "  v: { op: conv2d, input: u, filters: 4, kernelSize: 1 }",
      "outputs: [c1]",
    );
    const r = validateSpec(text);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.warnings.map((w) => [w.code, w.severity, w.nodeId, w.line, w.column])).toEqual([
      ["unused_node", "warning", "u", 6, 3],
      ["unused_node", "warning", "v", 7, 3],
    ]);
    expect(r.graph.nodes.map((n) => n.id)).toEqual(["c1", "u", "v"]);
  });
});

describe("validateSpec: whole documents", () => {
  it("reports every issue of a document together, in document order", () => {
    const text = lines(
      "fusegraph: 1",
      "name: t",
      "inputs: { x: [8, 8, 4] }",
      "nodes:",
      "  broken: { op: conv2d, inputs: 5 }",
      "  c1: { op: conv2d, input: x, filters: 4, kernelSize: 0 }",
      "  c2: { op: conv2d, input: y, filters: 4, kernelSize: 1 }",
      "  c3: { op: conv2d, input: x, filters: 8, kernelSize: 1 }",
      "  c4: { op: conv2d, input: x, filters: 4, kernelSize: 1 }",
      "  m: { merge: add, inputs: [c4, c3] }",
      "  n: { merge: ad, inputs: [m, broken] }",
      "  c4: { op: conv2d, input: x, filters: 4, kernelSize: 1 }",
      "  lost: { op: conv2d, input: x, filters: 4, kernelSize: 1 }",
      "outputs: [n, c1, c2]",
    );
    const all = issuesOf(text);
    expect(all.map((i) => [i.code, i.line])).toEqual([
      ["invalid_spec", 5],
      ["invalid_params", 6],
      ["unknown_ref", 7],
      ["shape_mismatch", 10],
      ["unknown_op", 11],
      ["duplicate_id", 12],
      ["unused_node", 13],
    ]);
    expect(all[0]!.path).toEqual(["nodes", "broken", "inputs"]);
  });

  it("accepts a document object and JSON text alike", () => {
    const doc: SpecDocumentInput = {
      fusegraph: 1,
      name: "t",
      inputs: { x: [8, 8, 4] },
      nodes: {
        c1: { op: conv2d(), input: "x", filters: 6, kernelSize: 3, padding: "same" },
        p: { op: "maxPool", input: "c1" },
      },
      outputs: ["p"],
    };
    const a = validateSpec(doc);
    const b = validateSpec(JSON.stringify(doc, null, 2));
    expect(a.ok && b.ok).toBe(true);
    if (!a.ok || !b.ok) return;
    expect(a.graph).toEqual(b.graph);
    expect(a.graph.nodes.map((n) => n.shape)).toEqual([
      [8, 8, 6],
      [4, 4, 6],
    ]);
    expect(a.graph.nodes[0]!.params).toMatchObject({ strides: 1, dilation: 1, useBias: true });
  });

  it("locates issues of block-expanded nodes inside the block definition", () => {
    const text = lines(
      "fusegraph: 1",
      "name: t",
      "inputs: { image: [8, 8, 4] }",
      "blocks:",
      "  unit:",
      "    params: { f: null }",
      "    nodes:",
      "      conv: { op: conv2d, input: x, filters: $f, kernelSize: 3, padding: same }",
      "    output: conv",
      "nodes:",
      "  u1: { use: unit, input: image, with: { f: 4 } }",
      "  u2: { use: unit, input: u1, with: { f: -1 } }",
      "outputs: [u2]",
    );
    const i = only(text, "invalid_params");
    expect(i).toMatchObject({
      path: ["blocks", "unit", "nodes", "conv", "filters"],
      nodeId: "u2/conv",
      received: "-1",
      ...pos(text, "filters: $f"),
    });
  });

  it("validates a 10,000-node chain without deep recursion", () => {
    const n = 10_000;
    const body = Array.from(
      { length: n },
      (_, k) => `  n${k}: { op: conv2d, input: ${k === 0 ? "x" : `n${k - 1}`}, filters: 2, kernelSize: 1 }`,
    );
    const text = lines(
      "fusegraph: 1",
      "name: chain",
      "inputs: { x: [2, 2, 2] }",
      "nodes:",
      ...body,
      `outputs: [n${n - 1}]`,
    );
    // ~680 KB of text: over the default maxTextChars (refused at once), so this raises it to reach the graph.
    const byDefault = validateSpec(text);
    expect(byDefault.ok ? [] : byDefault.issues.map((i) => i.code)).toEqual(["limit_exceeded"]);
    const r = validateSpec(text, { limits: { maxTextChars: 1024 * 1024 } });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.graph.nodes).toHaveLength(n);
    expect(r.graph.nodes[n - 1]).toMatchObject({ id: `n${n - 1}`, shape: [2, 2, 2], inputs: [`n${n - 2}`] });
    // Written backwards (as an object: parsing is covered above), it still comes out in topological order.
    const nodes: Record<string, Record<string, unknown>> = {};
    for (let k = n - 1; k >= 0; k--)
      nodes[`n${k}`] = { op: "conv2d", input: k === 0 ? "x" : `n${k - 1}`, filters: 2, kernelSize: 1 };
    const back = validateSpec({
      fusegraph: 1,
      name: "chain",
      inputs: { x: [2, 2, 2] },
      nodes,
      outputs: [`n${n - 1}`],
    });
    expect(back.ok && back.graph.nodes.map((x) => x.id)).toEqual(r.graph.nodes.map((x) => x.id));
  });

  it("finds a 10,000-node cycle without deep recursion", () => {
    const n = 10_000;
    const nodes: Record<string, { op: string; input: string; filters: number; kernelSize: number }> = {};
    for (let k = 0; k < n; k++)
      nodes[`n${k}`] = { op: "conv2d", input: `n${(k + 1) % n}`, filters: 2, kernelSize: 1 };
    const r = validateSpec({ fusegraph: 1, name: "loop", inputs: { x: [2, 2, 2] }, nodes, outputs: ["n0"] });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.issues.map((i) => i.code)).toEqual(["cycle"]);
    expect(r.issues[0]!.message).toContain('"n1" -> "n0"');
  });

  it("stops a block repeat that expands past the node limit", () => {
    const text = lines(
      "fusegraph: 1",
      "name: t",
      "inputs: { x: [2, 2, 2] }",
      "blocks:",
      "  b:",
      "    nodes: { c: { op: conv2d, input: x, filters: 2, kernelSize: 1 } }",
      "    output: c",
      "nodes:",
      `  many: { use: b, input: x, repeat: ${LIMITS.maxNodes + 1} }`,
      "outputs: [many]",
    );
    const t0 = performance.now();
    // One issue: the use's id, never made, is not also an unknown output.
    expect(issuesOf(text).map((i) => [i.code, i.path])).toEqual([
      ["limit_exceeded", ["nodes", "many", "repeat"]],
    ]);
    expect(performance.now() - t0).toBeLessThan(10_000);
  });

  it("stops an expansion cut short at the node limit with one issue, not unknown refs or unused nodes", () => {
    const text = lines(
      "fusegraph: 1",
      "name: t",
      "inputs: { x: [2, 2, 2] }",
      "blocks:",
      "  b:",
      "    nodes:",
      "      c: { op: conv2d, input: x, filters: 2, kernelSize: 1 }",
      "      r: { op: activation, input: c, fn: relu }",
      "    output: r",
      "nodes:",
      // 3 ids per instance (two nodes and the instance's alias): the limit falls inside the repeat.
      `  many: { use: b, input: x, repeat: ${Math.ceil(LIMITS.maxNodes / 3) + 1} }`,
      "  after: { op: activation, input: many, fn: relu }",
      "outputs: [after]",
    );
    const all = issuesOf(text);
    expect(all.map((i) => [i.code, i.path])).toEqual([["limit_exceeded", ["nodes", "many"]]]);
    expect(all[0]!.message).toBe(
      `block expansion makes more than ${LIMITS.maxNodes.toLocaleString("en")} nodes`,
    );
  });
});

describe("validateSpec: block expansion issues do not cascade", () => {
  const doc = (block: string[], uses: string[], outputs = "[u]") =>
    lines(
      "fusegraph: 1",
      "name: t",
      "inputs: { x: [4, 4, 2] }",
      "blocks:",
      ...block,
      "nodes:",
      ...uses,
      `outputs: ${outputs}`,
    );

  it("a misspelt $param is one block_error, not also an invalid param per instance", () => {
    const text = doc(
      [
        "  b:",
        "    params: { width: 4 }",
        "    nodes: { c: { op: conv2d, input: x, filters: $widh, kernelSize: 1 } }",
        "    output: c",
      ],
      ["  u: { use: b, input: x, repeat: 3 }"],
    );
    const i = only(text, "block_error");
    expect(issuesOf(text)).toHaveLength(1);
    expect(i).toMatchObject({ path: ["blocks", "b", "nodes", "c", "filters"], received: "$widh" });
    expect(i.message).toContain('Did you mean "width"?');
  });

  it("a bad value that is no substitution is still an invalid param", () => {
    const text = doc(
      [
        "  b:",
        "    params: { width: 4 }",
        "    nodes: { c: { op: conv2d, input: x, filters: $width, kernelSize: 1, strides: -1 } }",
        "    output: c",
      ],
      ["  u: { use: b, input: x }"],
    );
    expect(only(text, "invalid_params").path).toEqual(["blocks", "b", "nodes", "c", "strides"]);
  });

  it("a use whose arguments fail is one block_error, not unknown refs in its readers and outputs", () => {
    const text = doc(
      [
        "  b:",
        "    params: { width: 4 }",
        "    nodes: { c: { op: conv2d, input: x, filters: $width, kernelSize: 1 } }",
        "    output: c",
      ],
      [
        "  u: { use: b, input: x, with: { widht: 3 } }",
        "  r: { op: activation, input: u, fn: relu }",
        "  s: { op: activation, input: u/c, fn: relu }",
        "  m: { merge: add, inputs: [r, s] }",
      ],
      "[m, u]",
    );
    const all = issuesOf(text);
    expect(all.map((i) => [i.code, i.path])).toEqual([["block_error", ["nodes", "u", "with", "widht"]]]);
  });

  it("a failed use inside a repeated block is one block_error, not one unknown ref per other instance", () => {
    const text = doc(
      [
        "  inner:",
        "    params: { w: null }",
        "    nodes: { c: { op: conv2d, input: x, filters: $w, kernelSize: 1 } }",
        "    output: c",
        "  outer:",
        "    nodes:",
        "      i: { use: inner, input: x }",
        "      r: { op: activation, input: i, fn: relu }",
        "    output: r",
      ],
      ["  u: { use: outer, input: x, repeat: 3 }"],
    );
    expect(issuesOf(text).map((i) => [i.code, i.path])).toEqual([
      ["block_error", ["blocks", "outer", "nodes", "i"]],
    ]);
  });

  it("a use of a broken block is reported at the block only", () => {
    const text = doc(
      ["  b:", "    nodes: { c: { op: conv2d, input: x, filters: 2, kernelSize: 1 } }", "    output: cc"],
      ["  u: { use: b, input: x }", "  r: { op: activation, input: u, fn: relu }"],
      "[r]",
    );
    expect(issuesOf(text).map((i) => [i.code, i.path])).toEqual([["block_error", ["blocks", "b", "output"]]]);
  });

  it("a real unknown ref next to a failed use is still reported", () => {
    const text = doc(
      [
        "  b:",
        "    params: { w: null }",
        "    nodes: { c: { op: conv2d, input: x, filters: $w, kernelSize: 1 } }",
        "    output: c",
      ],
      ["  u: { use: b, input: x }", "  r: { op: activation, input: ghost, fn: relu }"],
      "[r, u]",
    );
    expect(issuesOf(text).map((i) => i.code)).toEqual(["block_error", "unknown_ref"]);
  });
});

/** Output size along one axis by enumerating window positions: those that fit in the padded input. */
function bruteAxis(size: number, k: number, s: number, d: number, pad: "valid" | "same"): number {
  const eff = (k - 1) * d + 1;
  let count = 0;
  for (let p = 0; ; p++) {
    // `same` places a window at every stride step that starts inside the input.
    const fits = pad === "same" ? p * s < size : p * s + eff <= size;
    if (!fits) return count;
    count++;
  }
}

type Layer =
  | {
      op: "conv2d";
      filters: number;
      kernelSize: number;
      strides: number;
      dilation: number;
      padding: "valid" | "same";
    }
  | { op: "maxPool"; poolSize: number; strides: number; padding: "valid" | "same" };

const layerArb: fc.Arbitrary<Layer> = fc.oneof(
  fc.record({
    op: fc.constant("conv2d" as const),
    filters: fc.integer({ min: 1, max: 8 }),
    kernelSize: fc.integer({ min: 1, max: 5 }),
    strides: fc.integer({ min: 1, max: 3 }),
    dilation: fc.integer({ min: 1, max: 2 }),
    padding: fc.constantFrom("valid" as const, "same" as const),
  }),
  fc.record({
    op: fc.constant("maxPool" as const),
    poolSize: fc.integer({ min: 1, max: 3 }),
    strides: fc.integer({ min: 1, max: 3 }),
    padding: fc.constantFrom("valid" as const, "same" as const),
  }),
);

describe("shape inference property", () => {
  it("conv/pool chains give the shapes window enumeration gives", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: 4 }),
        fc.array(layerArb, { minLength: 1, maxLength: 6 }),
        (size, c, layers) => {
          const nodes: Record<string, Record<string, unknown>> = {};
          let h = size;
          let ch = c;
          let failsAt: number | undefined;
          layers.forEach((l, k) => {
            nodes[`l${k}`] = { ...l, input: k === 0 ? "x" : `l${k - 1}` };
            if (failsAt !== undefined) return;
            h =
              l.op === "conv2d"
                ? bruteAxis(h, l.kernelSize, l.strides, l.dilation, l.padding)
                : bruteAxis(h, l.poolSize, l.strides, 1, l.padding);
            if (l.op === "conv2d") ch = l.filters;
            if (h < 1) failsAt = k;
          });
          const r = validateSpec({
            fusegraph: 1,
            name: "p",
            inputs: { x: [size, size, c] },
            nodes,
            outputs: [`l${layers.length - 1}`],
          });
          if (failsAt === undefined) {
            expect(r.ok).toBe(true);
            if (r.ok) expect(r.graph.nodes.at(-1)!.shape).toEqual([h, h, ch]);
          } else {
            expect(r.ok).toBe(false);
            if (!r.ok)
              expect(r.issues.map((i) => [i.code, i.nodeId])).toEqual([["shape_mismatch", `l${failsAt}`]]);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

function conv2d(): string {
  return "conv2d";
}

describe("validateSpec: node form, arity and param refs", () => {
  it("wants exactly one of op, merge or use", () => {
    const text = lines(
      "fusegraph: 1",
      "name: t",
      "inputs: { x: [4] }",
      "nodes:",
      "  both: { op: dense, merge: add, input: x, units: 2 }",
      "  none: { input: x, units: 2 }",
      "  two: { op: dense, input: x, inputs: [x], units: 2 }",
      "  d: { op: dense, input: both, units: 2 }",
      "outputs: [d, none, two]",
    );
    const all = issuesOf(text);
    const at = (needle: string) => Object.values(pos(text, needle));
    expect(all.map((i) => [i.code, i.path, i.nodeId, i.line, i.column])).toEqual([
      ["invalid_spec", ["nodes", "both", "merge"], "both", ...at("merge: add")],
      ["invalid_spec", ["nodes", "none"], "none", ...at("none: {")],
      ["invalid_spec", ["nodes", "two", "inputs"], "two", ...at("inputs: [x]")],
    ]);
    expect(all[0]!.message).toContain("exactly one of op, merge or use");
  });

  it("checks each kind's number of inputs", () => {
    const text = lines(
      "fusegraph: 1",
      "name: t",
      "inputs: { x: [4, 4, 2] }",
      "nodes:",
      "  c: { op: conv2d, inputs: [x, x], filters: 2, kernelSize: 1 }",
      "  m: { merge: add, inputs: [x] }",
      "  g: { op: globalAvgPool }",
      "outputs: [c, m, g]",
    );
    expect(issuesOf(text).map((i) => [i.code, i.path, i.expected, i.received])).toEqual([
      ["invalid_spec", ["nodes", "c", "inputs"], "1 input", "2"],
      ["invalid_spec", ["nodes", "m", "input"], "2 to 64 inputs", "1"],
      ["invalid_spec", ["nodes", "g", "inputs"], "1 input", "0"],
    ]);
  });

  it("resolves a param ref (crop's like) inside a block instance, as an extra input", () => {
    const text = lines(
      "fusegraph: 1",
      "name: t",
      "inputs: { image: [9, 9, 2] }",
      "blocks:",
      "  down_up:",
      "    nodes:",
      "      down: { op: maxPool, input: x }",
      "      up: { op: upsample, input: down, factor: 2 }",
      "      fit: { op: zeroPad, input: up, padding: [1, 0, 1, 0] }",
      "      crop: { op: crop, input: fit, like: x }",
      "    output: crop",
      "nodes:",
      "  du: { use: down_up, input: image }",
      "outputs: [du]",
    );
    const r = validateSpec(text);
    expect(r.ok, JSON.stringify(!r.ok && r.issues)).toBe(true);
    if (!r.ok) return;
    const crop = r.graph.nodes.find((n) => n.id === "du/crop")!;
    expect(crop.inputs).toEqual(["du/fit", "image"]);
    expect(crop.shape).toEqual([9, 9, 2]);
    expect(crop.path).toEqual(["nodes", "du"]);
    expect(r.graph.outputs).toEqual(["du/crop"]);
  });
});

describe("loadGraph", () => {
  it("returns the graph, or throws a SpecError carrying every issue with file:line:col", () => {
    const good = lines(
      "fusegraph: 1",
      "name: t",
      "inputs: { x: [4] }",
      "nodes: { d: { op: dense, input: x, units: 3 } }",
      "outputs: [d]",
    );
    expect(loadGraph(good).nodes.map((n) => [n.id, n.shape])).toEqual([["d", [3]]]);
    const bad = good.replace("units: 3", "units: 0").replace("input: x", "input: y");
    let caught: unknown;
    try {
      loadGraph(bad, { filename: "net.yaml" });
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(SpecError);
    const err = caught as SpecError;
    expect(err.issues.map((i) => i.code)).toEqual(["unknown_ref", "invalid_params"]);
    expect(err.message).toMatch(/^net\.yaml:4:26 {2}unknown_ref .*\(and 1 more\)$/s);
  });
});
