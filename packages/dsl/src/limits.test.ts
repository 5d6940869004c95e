import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseDocument } from "yaml";
import type { ImportResolver } from "./document/imports.js";
import { parseSpec } from "./document/parse-spec.js";
import { SpecError, type SpecIssue } from "./issues.js";
import { LIMIT_CEILINGS, LIMIT_NAMES, LIMITS, type Limits, LimitsError, resolveLimits } from "./limits.js";
import { loadGraph } from "./load.js";
import {
  HOSTILE_CLASSES,
  hostileInput,
  longId,
  repeatedIdDocument,
  wideMergeDocument,
} from "./testing/hostile.js";
import { validateSpec } from "./validate.js";

/**
 * The hostile classes of docs/limits.md must each end in well under a second (`BENCH_ONLY=hostile npm
 * run bench` measures them in fresh processes); here only a generous hang guard applies, since test
 * workers share the cores.
 */
const HANG_GUARD = { timeout: 30_000 };

/** Hostile documents are not `SpecDocumentInput`s; the API must still take them. */
type AnyInput = Parameters<typeof validateSpec>[0];

function rejected(raw: unknown, label: string): SpecIssue[] {
  const input = raw as AnyInput;
  const r = validateSpec(input);
  expect(r.ok, label).toBe(false);
  if (r.ok) return [];
  // Capped: at most maxIssues issues, plus one saying how many more.
  expect(r.issues.length).toBeLessThanOrEqual(LIMITS.maxIssues + 1);
  expect(() => loadGraph(input)).toThrow(SpecError);
  return r.issues;
}

const codes = (issues: SpecIssue[]) => new Set(issues.map((i) => i.code));

const head = "fusegraph: 1\nname: t\ninputs:\n  x: [8, 8, 3]\n";
const valid = `${head}nodes:\n  c: { op: conv2d, input: x, filters: 4, kernelSize: 3, padding: same }\noutputs: [c]\n`;

describe("limits on hostile specs (regressions from the mutation fuzzer)", HANG_GUARD, () => {
  it("the valid base spec is accepted (control)", () => {
    expect(validateSpec(valid).ok).toBe(true);
  });

  it("200,000 `]` characters: capped parse errors, no stack overflow", () => {
    const issues = rejected(`${valid}${"]".repeat(200_000)}`, "200k ]");
    expect(codes(issues)).toContain("parse_error");
  });

  it("a flow list of 200,000 commas", () => {
    const issues = rejected(`${head}nodes: {}\noutputs: [${",".repeat(200_000)}]\n`, "200k commas");
    expect(issues.length).toBeGreaterThan(0);
  });

  it("outputs listing 200,000 numbers: limit_exceeded on the text, and on the list when that is raised", () => {
    const nums = Array.from({ length: 200_000 }, (_, i) => i).join(", ");
    const text = `${head}nodes: {}\noutputs: [${nums}]\n`;
    const issues = rejected(text, "200k numbers");
    expect(issues.map((i) => [i.code, /the spec has \d+ characters/.test(i.message)])).toEqual([
      ["limit_exceeded", true],
    ]);
    // With the text bound raised, the pre-scan refuses the flow list itself before the parser sees it.
    const raised = validateSpec(text, { limits: { maxTextChars: 4 * 1024 * 1024 } });
    expect(
      raised.ok
        ? []
        : raised.issues.map((i) => [i.code, /a list has more than 100000 elements/.test(i.message)]),
    ).toEqual([["limit_exceeded", true]]);
  });

  it("many issues are reported as the first maxIssues plus one count (and fewer are all listed)", () => {
    const n = LIMITS.maxIssues * 3;
    const outputs = Array.from({ length: n }, (_, i) => `missing${i}`);
    const doc = { fusegraph: 1, name: "t", inputs: { x: [4] }, nodes: {}, outputs };
    const issues = rejected(doc, "300 unknown refs");
    expect(issues).toHaveLength(LIMITS.maxIssues + 1);
    expect(issues.at(-1)?.code).toBe("limit_exceeded");
    expect(issues.at(-1)?.message).toMatch(/\d+ more issues/);
    // Control: under the cap every issue is listed and no count issue is added.
    const few = validateSpec({ ...doc, outputs: outputs.slice(0, 5) } as AnyInput);
    expect(few.ok ? [] : few.issues.map((i) => i.code)).toEqual(Array(5).fill("unknown_ref"));
  });

  it("a merge with a 1,000,000-element inputs list, as text and as an object", () => {
    const doc = wideMergeDocument(1_000_000);
    expect(codes(rejected(doc, "1M inputs (object)"))).toContain("limit_exceeded");
    expect(codes(rejected(JSON.stringify(doc), "1M inputs (text)"))).toContain("limit_exceeded");
    // Control: a short list of the same shape validates.
    expect(validateSpec(wideMergeDocument(2) as AnyInput).ok).toBe(true);
  });

  it("conv2d kernelSize 1e9 with padding same on 8x8 is refused; a 5x5 same conv on 1x1 is not", () => {
    const big = `${head}nodes:\n  c: { op: conv2d, input: x, filters: 4, kernelSize: 1000000000, padding: same }\noutputs: [c]\n`;
    const issues = rejected(big, "kernel 1e9");
    expect(issues.map((i) => [i.code, i.nodeId])).toEqual([["shape_mismatch", "c"]]);
    const small = {
      fusegraph: 1,
      name: "t",
      inputs: { x: [1, 1, 3] },
      nodes: { c: { op: "conv2d", input: "x", filters: 4, kernelSize: 5, padding: "same" } },
      outputs: ["c"],
    };
    expect(validateSpec(small as AnyInput).ok).toBe(true);
  });

  it("parameter counts beyond 2^53 are limit_exceeded; just below they are exact", () => {
    // dense on 2^27 features: 2^27 * units + units params.
    const dense = (units: number) => ({
      fusegraph: 1,
      name: "t",
      inputs: { x: [2 ** 27] },
      nodes: { d: { op: "dense", input: "x", units } },
      outputs: ["d"],
    });
    const over = rejected(dense(2 ** 26 + 1), "2^53+ params");
    expect(over.map((i) => [i.code, i.nodeId])).toEqual([["limit_exceeded", "d"]]);
    expect(over[0]?.message).toMatch(/parameter count/);
    const ok = validateSpec(dense(2 ** 24) as AnyInput);
    expect(ok.ok).toBe(true);
  });

  it("a 100,000-character id with repeat: 10000 is refused quickly; a 256-character id is fine", () => {
    const long = `a${"b".repeat(99_999)}`;
    const spec = (id: string, repeat: number) =>
      `${head}blocks:\n  blk:\n    inputs: [i]\n    nodes:\n      ${id}: { op: activation, input: i, fn: relu }\n    output: ${id}\nnodes:\n  u: { use: blk, input: x, repeat: ${repeat} }\noutputs: [u]\n`;
    const obj = repeatedIdDocument;
    // YAML refuses an implicit key over 1024 characters itself; JSON text and objects reach the id check.
    expect(codes(rejected(spec(long, 10_000), "100k-char id (YAML)"))).toContain("parse_error");
    const issues = rejected(JSON.stringify(obj(long, 10_000)), "100k-char id x repeat 10000 (JSON)");
    expect(codes(rejected(obj(long, 10_000), "100k-char id x repeat 10000 (object)"))).toContain(
      "limit_exceeded",
    );
    expect(codes(issues)).toContain("limit_exceeded");
    expect(issues.some((i) => /characters, more than/.test(i.message))).toBe(true);
    const okId = `a${"b".repeat(LIMITS.maxIdChars - 1)}`;
    expect(validateSpec(spec(okId, 3)).ok).toBe(true);
    expect(validateSpec(spec(`${okId}b`, 3)).ok).toBe(false);
  });

  it("a sparse array of length 2^32-1 is refused without walking it", () => {
    const sparse: unknown[] = [];
    sparse.length = 2 ** 32 - 1;
    const doc = { fusegraph: 1, name: "t", inputs: { x: [4] }, nodes: {}, outputs: sparse };
    const issues = rejected(doc, "sparse 2^32-1");
    expect(issues.map((i) => [i.code, i.path])[0]).toEqual(["limit_exceeded", ["outputs"]]);
  });

  it("a getter that throws and a throwing proxy give invalid_spec, not an exception", () => {
    const doc = { fusegraph: 1, name: "t", inputs: { x: [4] }, nodes: {}, outputs: ["x"] };
    expect(validateSpec(doc as AnyInput).ok).toBe(true);
    const getter = { ...doc };
    Object.defineProperty(getter, "name", {
      enumerable: true,
      get() {
        throw new Error("boom");
      },
    });
    expect(codes(rejected(getter, "throwing getter"))).toEqual(new Set(["invalid_spec"]));
    const proxy = new Proxy(doc, {
      ownKeys() {
        throw new Error("trap");
      },
    });
    expect(codes(rejected(proxy, "throwing proxy"))).toEqual(new Set(["invalid_spec"]));
  });
});

describe("the hostile classes of docs/limits.md, on exactly the documented inputs", HANG_GUARD, () => {
  const long = longId;
  const blockDoc = repeatedIdDocument;

  // The same inputs `BENCH_ONLY=hostile npm run bench` times (docs/limits.md's table), with their codes.
  const EXPECTED: Record<string, string[]> = {
    brackets: ["limit_exceeded", "parse_error"],
    commas: ["limit_exceeded", "parse_error"],
    numbers: ["limit_exceeded"],
    mergeText: ["limit_exceeded"],
    mergeObject: ["invalid_spec", "limit_exceeded"],
    kernel: ["shape_mismatch"],
    id200k: ["limit_exceeded"],
    id2m: ["limit_exceeded"],
    id200kYaml: ["parse_error"],
    sparse: ["invalid_spec", "limit_exceeded"],
    fullFlow: ["invalid_spec"],
    fullBlock: ["invalid_spec"],
  };
  it.each(HOSTILE_CLASSES.map((c) => [c.label, c.key] as const))(
    "%s gives its documented codes",
    (_, key) => {
      expect([...codes(rejected(hostileInput(key), key))].sort()).toEqual(EXPECTED[key]);
    },
  );
  it("every class has its expected codes listed, and an unknown key is refused (controls)", () => {
    expect(Object.keys(EXPECTED).sort()).toEqual(HOSTILE_CLASSES.map((c) => c.key).sort());
    expect(() => hostileInput("nope")).toThrow(/no hostile class "nope"/);
  });

  it("200,000 `]`: the first maxIssues - 1 syntax errors are the yaml parser's own, and the count is exact", () => {
    // parseSpec lists every one; validateSpec reports an issue repeated at the same path once.
    const r = parseSpec(`${valid}${"]".repeat(200_000)}`);
    expect(r.ok).toBe(false);
    const issues = r.ok ? [] : r.issues;
    expect(issues).toHaveLength(LIMITS.maxIssues);
    expect(issues.slice(0, -1).every((i) => i.code === "parse_error" && i.line === 8)).toBe(true);
    expect(issues.at(-1)).toMatchObject({
      code: "limit_exceeded",
      message: "199901 more syntax errors were found",
    });
    expect(codes(rejected(`${valid}${"]".repeat(200_000)}`, "200k ]"))).toEqual(
      new Set(["parse_error", "limit_exceeded"]),
    );
  });

  it("a text with 2,000 `]` reports exactly what the yaml parser reports on the whole text", () => {
    // Independent reference: the `yaml` package on the full text (small enough to parse quickly).
    const text = `${valid}x: 1\n${"]".repeat(1_000)}\n${"]".repeat(1_000)}\n`;
    const ref = parseDocument(text, { prettyErrors: true, uniqueKeys: false, logLevel: "error" });
    expect(ref.errors.length).toBe(2_000);
    const r = parseSpec(text);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const got = r.issues.slice(0, -1).map((i) => [i.message, i.line, i.column]);
    const want = ref.errors
      .slice(0, LIMITS.maxIssues - 1)
      .map((e) => [
        `YAML syntax error: ${e.message.split(" at line")[0]}`,
        e.linePos?.[0].line,
        e.linePos?.[0].col,
      ]);
    expect(got).toEqual(want);
    expect(r.issues.at(-1)?.message).toBe(`${2_000 - LIMITS.maxIssues + 1} more syntax errors were found`);
  });

  it("brackets, commas and long keys inside quotes, comments and block scalars are not counted (controls)", () => {
    const many = "],".repeat(300);
    const text = [
      "fusegraph: 1",
      `name: 'it''s ${many}'`,
      `doc: "${many} \\" ${many}"`,
      `# ${many}`,
      "inputs:",
      `  x: [8, 8, 3] # ${many}`,
      "blocks:",
      "  b:",
      "    doc: |",
      `      ${many}`,
      `      [${",".repeat(300)}`,
      "    nodes: { c: { op: activation, input: i, fn: relu } }",
      "    inputs: [i]",
      "    output: c",
      "nodes:",
      `  '${"n".repeat(LIMITS.maxIdChars)}': { use: b, input: x }`,
      `  p: { op: activation, input: '${"n".repeat(LIMITS.maxIdChars)}', fn: relu }`,
      "outputs: [p]",
      "",
    ].join("\n");
    const r = validateSpec(text);
    expect(r.ok ? [] : r.issues.map((i) => i.message)).toEqual([]);
    // Negative control: one character more in the quoted key is refused, at the key.
    const over = text.replace(
      `'${"n".repeat(LIMITS.maxIdChars)}':`,
      `'${"n".repeat(LIMITS.maxIdChars + 1)}':`,
    );
    const bad = rejected(over, "257-char quoted key");
    expect(bad.map((i) => [i.code, i.line])).toEqual([["limit_exceeded", 16]]);
  });

  it("a flow list one item over maxArrayLength is refused before parsing; at the limit it is parsed", () => {
    const limits = { maxArrayLength: 10 };
    const list = (n: number) =>
      `${head}nodes: {}\noutputs: [${Array.from({ length: n }, () => "y").join(", ")}]\n`;
    // At the limit the list reaches the later stages: every item is an unknown output, reported once.
    const at = validateSpec(list(10), { limits });
    expect(at.ok ? [] : [...codes(at.issues)]).toEqual(["unknown_ref"]);
    const over = validateSpec(list(11), { limits });
    expect(over.ok ? [] : over.issues.map((i) => [i.code, i.line, i.column])).toEqual([
      ["limit_exceeded", 6, 10],
    ]);
  });

  it("a 100,000-character id with repeat: 10000, as a 200 KB and a 2 MB JSON text and as objects", () => {
    for (const n of [100_000, 1_000_000]) {
      const text = JSON.stringify(blockDoc(long(n), 10_000));
      const fromText = rejected(text, `${n}-char id (JSON)`);
      expect(fromText.map((i) => i.code)).toEqual(["limit_exceeded"]);
      // The 200 KB text reaches the id bound; the 2 MB one is over maxTextChars, and with that raised
      // it reaches the id bound too, before any expansion.
      if (text.length <= LIMITS.maxTextChars) {
        expect(fromText[0]?.message).toMatch(/characters, more than 256/);
      } else {
        expect(fromText[0]?.message).toMatch(/the spec has \d+ characters, more than 262144/);
        const raised = validateSpec(text, { limits: { maxTextChars: 4 * 1024 * 1024 } });
        expect(raised.ok ? [] : raised.issues.map((i) => [i.code, /more than 256/.test(i.message)])).toEqual([
          ["limit_exceeded", true],
        ]);
      }
      expect(codes(rejected(blockDoc(long(n), 10_000), `${n}-char id (object)`))).toContain("limit_exceeded");
    }
  });

  it("a merge of 1,000,000 inputs, a 1e9 kernel and a sparse 2^32-1 array give their codes", () => {
    const list = Array.from({ length: 1_000_000 }, () => "x");
    const doc = {
      fusegraph: 1,
      name: "t",
      inputs: { x: [4] },
      nodes: { m: { merge: "add", inputs: list } },
      outputs: ["m"],
    };
    expect(codes(rejected(doc, "1M inputs"))).toContain("limit_exceeded");
    const sparse: unknown[] = [];
    sparse.length = 2 ** 32 - 1;
    expect(codes(rejected({ ...doc, nodes: {}, outputs: sparse }, "sparse"))).toContain("limit_exceeded");
  });

  it("ResNet-50 repeated up to maxNodes validates; one repeat more is limit_exceeded; raising maxNodes admits it", () => {
    const base = readFileSync(new URL("./__fixtures__/resnet50.yaml", import.meta.url), "utf8");
    const spec = (repeat: number) => base.replace("repeat: 6", `repeat: ${repeat}`);
    // Each instance of layer3 claims 14 ids (10 nodes, aliases for the instance and skipped shortcuts).
    const fits = Math.floor((LIMITS.maxNodes - 200) / 14);
    const ok = validateSpec(spec(fits));
    expect(ok.ok).toBe(true);
    if (ok.ok) expect(ok.graph.nodes.length).toBeGreaterThan(LIMITS.maxNodes * 0.7);
    const over = spec(LIMITS.maxNodes / 10 + 1);
    expect(codes(rejected(over, "resnet over maxNodes"))).toEqual(new Set(["limit_exceeded"]));
    expect(validateSpec(over, { limits: { maxNodes: LIMITS.maxNodes * 2 } }).ok).toBe(true);
  });
});

describe("per-call limits", () => {
  const deep = (repeat: number) =>
    `${head}blocks:\n  b:\n    inputs: [i]\n    nodes: { r: { op: activation, input: i, fn: relu } }\n    output: r\nnodes:\n  u: { use: b, input: x, repeat: ${repeat} }\noutputs: [u]\n`;

  it("a raised maxNodes admits a spec the default refuses, for that call only", () => {
    const text = deep(LIMITS.maxNodes + 1);
    expect(codes(rejected(text, "over default"))).toEqual(new Set(["limit_exceeded"]));
    const raised = validateSpec(text, { limits: { maxNodes: LIMITS.maxNodes * 4 } });
    expect(raised.ok).toBe(true);
    if (raised.ok) expect(raised.graph.nodes).toHaveLength(LIMITS.maxNodes + 1);
    expect(loadGraph(text, { limits: { maxNodes: LIMITS.maxNodes * 4 } }).nodes).toHaveLength(
      LIMITS.maxNodes + 1,
    );
    // The default is untouched afterwards.
    expect(validateSpec(text).ok).toBe(false);
    expect(LIMITS.maxNodes).toBe(10_000);
  });

  it("lowered limits apply to each stage: text size, ids, issues, padding, rank, elements, counts", () => {
    const conv = (k: number, x = "[1, 1, 3]") =>
      `fusegraph: 1\nname: t\ninputs: { x: ${x} }\nnodes:\n  conv: { op: conv2d, input: x, filters: 4, kernelSize: ${k}, padding: same }\noutputs: [conv]\n`;
    expect(validateSpec(conv(7)).ok).toBe(true);
    const cases: [Partial<Limits>, string][] = [
      [{ maxTextChars: 50 }, "limit_exceeded"],
      [{ maxIdChars: 3 }, "limit_exceeded"],
      [{ maxPadBeyondInput: 1 }, "shape_mismatch"],
      [{ maxRank: 2 }, "limit_exceeded"],
      [{ maxElements: 2 }, "limit_exceeded"],
      [{ maxCount: 100 }, "limit_exceeded"],
      [{ maxDepth: 2 }, "limit_exceeded"],
      [{ maxValues: 5 }, "limit_exceeded"],
    ];
    for (const [limits, code] of cases) {
      const r = validateSpec(conv(7), { limits });
      expect(r.ok ? [] : [...codes(r.issues)], JSON.stringify(limits)).toEqual([code]);
    }
    const many = { fusegraph: 1, name: "t", inputs: { x: [4] }, nodes: {}, outputs: ["a", "b", "c", "d"] };
    const capped = validateSpec(many as AnyInput, { limits: { maxIssues: 2 } });
    expect(capped.ok ? [] : capped.issues.map((i) => i.code)).toEqual([
      "unknown_ref",
      "unknown_ref",
      "limit_exceeded",
    ]);
    const all = validateSpec(many as AnyInput);
    expect(all.ok ? [] : all.issues.map((i) => i.code)).toEqual(Array(4).fill("unknown_ref"));
  });

  it("imported documents are held to the caller's limits", () => {
    const lib = `fusegraph: 1\nblocks:\n  wide:\n    inputs: [i]\n    nodes: { ${long32()}: { op: activation, input: i, fn: relu } }\n    output: ${long32()}\n`;
    const main = `${head}imports: { wide: "./lib.yaml#wide" }\nnodes:\n  u: { use: wide, input: x }\noutputs: [u]\n`;
    const resolveImport: ImportResolver = () => ({
      ok: true,
      text: lib,
      filename: "lib.yaml",
      block: "wide",
    });
    expect(validateSpec(main, { filename: "main.yaml", resolveImport }).ok).toBe(true);
    const r = validateSpec(main, { filename: "main.yaml", resolveImport, limits: { maxIdChars: 16 } });
    expect(r.ok ? [] : r.issues.filter((i) => i.code === "limit_exceeded").map((i) => i.file)).toEqual([
      "lib.yaml",
    ]);
  });

  it("two interleaved calls with different limits do not interfere", () => {
    // The outer call's import resolver runs a second validation, with other limits, in the middle of it.
    const text = deep(50);
    let inner: boolean | undefined;
    const resolveImport: ImportResolver = () => {
      inner = validateSpec(text, { limits: { maxNodes: 10 } }).ok;
      return {
        ok: true,
        text: "fusegraph: 1\nblocks:\n  id: { inputs: [i], nodes: { r: { op: activation, input: i, fn: relu } }, output: r }\n",
        filename: "lib.yaml",
        block: "id",
      };
    };
    const outer = `${head}imports: { lib: "./lib.yaml#id" }\nblocks:\n  b:\n    inputs: [i]\n    nodes: { r: { op: activation, input: i, fn: relu } }\n    output: r\nnodes:\n  u: { use: b, input: x, repeat: 50 }\n  v: { use: lib, input: u }\noutputs: [v]\n`;
    const r = validateSpec(outer, { filename: "main.yaml", resolveImport, limits: { maxNodes: 200 } });
    expect(inner).toBe(false);
    expect(r.ok).toBe(true);
    // Control: the same outer call under the inner call's limit is refused.
    expect(validateSpec(outer, { filename: "main.yaml", resolveImport, limits: { maxNodes: 10 } }).ok).toBe(
      false,
    );
  });

  it("bad overrides throw a LimitsError naming the limit; the ceilings hold", () => {
    const bad: [Record<string, unknown>, RegExp][] = [
      [{ maxNode: 5 }, /unknown limit "maxNode"; the limits are maxTextChars, /],
      [{ maxNodes: 1.5 }, /maxNodes must be an integer from 1 to/],
      [{ maxNodes: 0 }, /received 0/],
      [{ maxIssues: -1 }, /received -1/],
      [{ maxNodes: "5" }, /received "5"/],
      [{ maxCount: 2 ** 53 }, /maxCount must be an integer from 1 to 9007199254740991/],
      [{ maxElements: 2 ** 31 }, /from 1 to 2147483647/],
      [{ maxArrayLength: 2 ** 32 }, /from 1 to 4294967295/],
    ];
    for (const [limits, message] of bad) {
      const call = () => validateSpec(valid, { limits: limits as Partial<Limits> });
      expect(call).toThrow(LimitsError);
      expect(call).toThrow(message);
      expect(() => parseSpec(valid, { limits: limits as Partial<Limits> })).toThrow(LimitsError);
      expect(() => loadGraph(valid, { limits: limits as Partial<Limits> })).toThrow(LimitsError);
    }
    // Controls: each ceiling itself is accepted, and undefined values keep the default.
    for (const name of LIMIT_NAMES) {
      expect(resolveLimits({ [name]: LIMIT_CEILINGS[name] })[name]).toBe(LIMIT_CEILINGS[name]);
      expect(LIMIT_CEILINGS[name]).toBeGreaterThanOrEqual(LIMITS[name]);
    }
    expect(resolveLimits({ maxNodes: undefined })).toEqual(LIMITS);
    expect(Object.isFrozen(resolveLimits({ maxNodes: 5 }))).toBe(true);
  });
});

function long32(): string {
  return `n${"x".repeat(31)}`;
}
