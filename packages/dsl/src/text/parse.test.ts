import { describe, expect, it } from "vitest";
import { parseSpec } from "../document/parse-spec.js";
import { LIMITS } from "../limits.js";
import { validateSpec } from "../validate.js";
import { detectFormat } from "./parse.js";

const lines = (...l: string[]) => `${l.join("\n")}\n`;

const minimal = lines(
  "fusegraph: 1",
  "name: t",
  "inputs: { x: [8, 8, 4] }",
  "nodes:",
  "  c1:",
  "    op: conv2d",
  "    input: x",
  "    filters: 4",
  "    kernelSize: [3, 1]",
  "outputs: [c1]",
);

describe("parseSpec", () => {
  it("reads YAML into the document model with a locator", () => {
    const r = parseSpec(minimal);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.doc.nodes.c1).toMatchObject({ op: "conv2d", input: "x", filters: 4, kernelSize: [3, 1] });
    expect(r.locate(["nodes", "c1", "kernelSize"])).toEqual({ line: 9, column: 5 });
    expect(r.locate(["nodes", "c1", "kernelSize", 1])).toEqual({ line: 9, column: 21 });
    expect(r.locate(["inputs", "x", 2])).toEqual({ line: 3, column: 21 });
    // A path past what is written lands on the deepest part that exists.
    expect(r.locate(["nodes", "c1", "strides"])).toEqual({ line: 5, column: 3 });
    expect(r.locate([])).toEqual({ line: 1, column: 1 });
  });

  it("gives JSON line:column too, and follows YAML aliases", () => {
    const json =
      '{\n  "fusegraph": 1,\n  "name": "t",\n  "inputs": { "x": [2, 2, 3] },\n  "nodes": {},\n  "outputs": ["x"]\n}';
    const r = parseSpec(json);
    expect(r.ok && r.locate(["inputs", "x", 1])).toEqual({ line: 4, column: 24 });
    const yaml = lines(
      "fusegraph: 1",
      "name: t",
      "inputs: { x: &s [2, 2, 3], y: *s }",
      "nodes: {}",
      "outputs: [x, y]",
    );
    const a = parseSpec(yaml);
    expect(a.ok && a.doc.inputs.y).toEqual([2, 2, 3]);
    expect(a.ok && a.locate(["inputs", "y", 2])).toEqual({ line: 3, column: 24 });
  });

  it("picks the format by option, extension, then first character", () => {
    expect(detectFormat("a: 1", { format: "json" })).toBe("json");
    expect(detectFormat("{}", { filename: "net.yaml" })).toBe("yaml");
    expect(detectFormat("a: 1", { filename: "NET.JSON" })).toBe("json");
    expect(detectFormat("  \n{ }")).toBe("json");
    expect(detectFormat("a: {}")).toBe("yaml");
    // JSON is read strictly: a bare word is a YAML string but a JSON error.
    const text = '{"fusegraph": 1, "name": t}';
    expect(validateSpec(text, { format: "yaml" }).ok === false && true).toBe(true);
    const j = parseSpec(text);
    expect(!j.ok && j.issues[0]).toMatchObject({ code: "parse_error", line: 1, column: 26 });
  });

  it("reports a duplicate node id as duplicate_id and other duplicate keys as parse_error", () => {
    const text = lines(
      "fusegraph: 1",
      "name: t",
      "name: u",
      "inputs: { x: [4] }",
      "blocks:",
      "  b:",
      "    nodes:",
      "      d: { op: dense, input: x, units: 2 }",
      "      d: { op: dense, input: x, units: 3 }",
      "    output: d",
      "nodes:",
      "  y: { op: dense, input: x, units: 1 }",
      "  y: { op: dense, input: x, units: 2, units: 3 }",
      "outputs: [y]",
    );
    const r = parseSpec(text);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.issues.map((i) => [i.code, i.path, i.line, i.column, i.nodeId])).toEqual([
      ["parse_error", ["name"], 3, 1, undefined],
      ["duplicate_id", ["blocks", "b", "nodes", "d"], 9, 7, "d"],
      ["duplicate_id", ["nodes", "y"], 13, 3, "y"],
      ["parse_error", ["nodes", "y", "units"], 13, 39, undefined],
    ]);
  });

  it("reports YAML that holds several documents", () => {
    const r = parseSpec(`${minimal}---\nname: other\n`);
    expect(!r.ok && r.issues[0]).toMatchObject({ code: "parse_error", line: 11 });
  });

  it("stops an alias bomb quickly with limit_exceeded", () => {
    const text = lines(
      'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
      "b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]",
      "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]",
      "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]",
      "e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]",
      "f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]",
      "g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]",
      "h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]",
      "i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]",
    );
    const t0 = performance.now();
    const r = validateSpec(text);
    expect(performance.now() - t0).toBeLessThan(5_000);
    expect(!r.ok && r.issues.map((i) => [i.code, i.line])).toEqual([["limit_exceeded", 2]]);
  });

  it("reports an alias to a missing anchor, and deep nesting, as issues", () => {
    const r = parseSpec(lines("fusegraph: 1", "name: *nope"));
    expect(!r.ok && r.issues[0]).toMatchObject({ code: "parse_error", line: 2, column: 7 });
    const deep = `${"[".repeat(3_000)}${"]".repeat(3_000)}`;
    const d = parseSpec(deep, { format: "yaml" });
    expect(d.ok).toBe(false);
    expect(!d.ok && ["limit_exceeded", "parse_error"]).toContain(!d.ok && d.issues[0]!.code);
    const tooBig = parseSpec(" ".repeat(LIMITS.maxTextChars + 1));
    expect(!tooBig.ok && tooBig.issues[0]).toMatchObject({ code: "limit_exceeded", line: 1, column: 1 });
  });
});

describe("__proto__, constructor and prototype", () => {
  const protoBefore = Object.getOwnPropertyNames(Object.prototype).sort();
  const untouched = () => {
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(protoBefore);
    expect(({} as Record<string, unknown>).op).toBeUndefined();
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  };

  it("rejects them as node, input and block ids, located, without touching Object.prototype", () => {
    const text = lines(
      "fusegraph: 1",
      "name: t",
      "inputs: { prototype: [4], x: [4] }",
      "blocks:",
      "  constructor: { nodes: { d: { op: dense, input: x, units: 1 } }, output: d }",
      "nodes:",
      "  __proto__: { op: dense, input: x, units: 1, polluted: true }",
      "  constructor: { op: dense, input: x, units: 1 }",
      "  ok: { op: dense, input: prototype, units: 1 }",
      "outputs: [ok, constructor]",
    );
    const r = validateSpec(text);
    untouched();
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.issues.map((i) => [i.code, i.path, i.line, i.column])).toEqual([
      ["invalid_spec", ["inputs", "prototype"], 3, 11],
      ["invalid_spec", ["blocks", "constructor"], 5, 3],
      ["invalid_spec", ["nodes", "__proto__"], 7, 3],
      ["invalid_spec", ["nodes", "constructor"], 8, 3],
    ]);
    expect(r.issues[3]!.message).toContain("reserved");
    expect(r.issues[3]!.nodeId).toBe("constructor");
  });

  it("drops __proto__ keys of JSON text and of objects, anywhere", () => {
    const json =
      '{"__proto__": {"polluted": true}, "fusegraph": 1, "name": "t", "inputs": {"x": [4]},' +
      ' "nodes": {"d": {"op": "dense", "input": "x", "units": 2, "__proto__": {"op": "x"}}}, "outputs": ["d"]}';
    for (const input of [json, JSON.parse(json)]) {
      const r = validateSpec(input);
      untouched();
      expect(!r.ok && r.issues.map((i) => [i.code, i.path])).toEqual([
        ["invalid_spec", ["__proto__"]],
        ["invalid_spec", ["nodes", "d", "__proto__"]],
      ]);
    }
  });

  it("never resolves refs or outputs through Object.prototype", () => {
    const text = lines(
      "fusegraph: 1",
      "name: t",
      "inputs: { x: [4] }",
      "nodes:",
      "  d: { op: dense, input: hasOwnProperty, units: 2 }",
      "outputs: [d, constructor]",
    );
    const r = validateSpec(text);
    untouched();
    expect(!r.ok && r.issues.map((i) => [i.code, i.path])).toEqual([
      ["unknown_ref", ["nodes", "d", "input"]],
      ["unknown_ref", ["outputs", 1]],
    ]);
  });
});
