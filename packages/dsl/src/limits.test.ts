import { describe, expect, it } from "vitest";
import { SpecError, type SpecIssue } from "./issues.js";
import { LIMITS } from "./limits.js";
import { loadGraph } from "./load.js";
import { validateSpec } from "./validate.js";

/**
 * Runs `fn`, prints how long it took, and checks a generous bound (CI cores are shared). NOTE: the
 * 200 KB syntax-error texts spend ~3 s inside the `yaml` parser itself, before any of our checks run.
 */
function timed<T>(label: string, fn: () => T): T {
  const t0 = performance.now();
  const out = fn();
  const ms = performance.now() - t0;
  console.log(`${label}: ${ms.toFixed(0)} ms`);
  expect(ms).toBeLessThan(10_000);
  return out;
}

/** Hostile documents are not `SpecDocumentInput`s; the API must still take them. */
type AnyInput = Parameters<typeof validateSpec>[0];

function rejected(raw: unknown, label: string): SpecIssue[] {
  const input = raw as AnyInput;
  const r = timed(label, () => validateSpec(input));
  expect(r.ok).toBe(false);
  if (r.ok) return [];
  // Capped: at most maxIssues issues, plus one saying how many more.
  expect(r.issues.length).toBeLessThanOrEqual(LIMITS.maxIssues + 1);
  expect(() => loadGraph(input)).toThrow(SpecError);
  return r.issues;
}

const codes = (issues: SpecIssue[]) => new Set(issues.map((i) => i.code));

const head = "fusegraph: 1\nname: t\ninputs:\n  x: [8, 8, 3]\n";
const valid = `${head}nodes:\n  c: { op: conv2d, input: x, filters: 4, kernelSize: 3, padding: same }\noutputs: [c]\n`;

describe("limits on hostile specs (regressions from the mutation fuzzer)", () => {
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

  it("outputs listing 200,000 numbers: limit_exceeded on the list", () => {
    const nums = Array.from({ length: 200_000 }, (_, i) => i).join(", ");
    const issues = rejected(`${head}nodes: {}\noutputs: [${nums}]\n`, "200k numbers");
    expect(codes(issues)).toContain("limit_exceeded");
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
    const list = Array.from({ length: 1_000_000 }, () => "x");
    const doc = {
      fusegraph: 1,
      name: "t",
      inputs: { x: [4] },
      nodes: { m: { merge: "add", inputs: list } },
      outputs: ["m"],
    };
    expect(codes(rejected(doc, "1M inputs (object)"))).toContain("limit_exceeded");
    expect(codes(rejected(JSON.stringify(doc), "1M inputs (text)"))).toContain("limit_exceeded");
    // Control: a short list of the same shape validates.
    expect(validateSpec({ ...doc, nodes: { m: { merge: "add", inputs: ["x", "x"] } } } as AnyInput).ok).toBe(
      true,
    );
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
    const obj = (id: string, repeat: number) => ({
      fusegraph: 1,
      name: "t",
      inputs: { x: [4] },
      blocks: {
        blk: { inputs: ["i"], nodes: { [id]: { op: "activation", input: "i", fn: "relu" } }, output: id },
      },
      nodes: { u: { use: "blk", input: "x", repeat } },
      outputs: ["u"],
    });
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
