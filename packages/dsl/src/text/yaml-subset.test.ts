import fc from "fast-check";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { parseDocument } from "yaml";
import { fixtureText } from "../__fixtures__/fixtures.js";
import { benchSpec } from "../bench/validate-bench.js";
import type { SpecPath } from "../issues.js";
import { LIMITS, type Limits } from "../limits.js";
import type { validateSpec } from "../validate.js";
import { duplicateKeys } from "./locate.js";
import { type ParsedText, parseText, parseTextLocated } from "./parse.js";
import { readYamlSubset } from "./yaml-subset.js";

/** Every shape the subset reader takes, and scalars whose resolution differs between schemas. */
const KITCHEN_SINK = `# a comment
fusegraph: 1
name: "sink \\"quoted\\" \\u00e9"
doc: Plain text, with [brackets] {braces}, 'quotes' and a # inside#hash # then a comment
single: 'it''s'
"quoted key": yes
inputs:   { x: [8, 8, 4], 'y': [2] , z: [ ] }
list: # the items follow
- a
- -1   # a comment after an item
-   '0x1F'
same: [true, True, FALSE, null, Null, ~, 0x1F, 0o17, 007, +5, -0, .5, 1., 1.0e-5, 1e3, .infinite]
words: [on, off, yes, no, y, $width, "\${i == 0 ? s : 1}", é, a b  c]
empty:
folded: >-
  One paragraph: folded
  into a line, # not a comment.
literal: |
  kept
  as lines
wrapped:
  { a: [1, 2], b: c }
nested:
    deeper:
      - 1
      - [2, 3,]
    flow: {
      a: 1, b: [
        2
      ],
      c: "x" }
  # a comment at an odd indent
last: end
`;

/** A document of every fixture, as JSON the way the builder and other tools write it. */
const asJson = (yamlText: string): string =>
  JSON.stringify(parseDocument(yamlText, { uniqueKeys: false }).toJS(), null, 2);

const YAML_TEXTS = [
  KITCHEN_SINK,
  fixtureText("resnet50.yaml"),
  fixtureText("densenet121.yaml"),
  benchSpec(40),
];
const JSON_TEXTS = YAML_TEXTS.slice(1).map(asJson);

/** Deep equality with Object.is on leaves, so -0, NaN and key order count. */
function sameValue(a: unknown, b: unknown): boolean {
  if (typeof a !== "object" || a === null || typeof b !== "object" || b === null) return Object.is(a, b);
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length || ka.some((k, i) => k !== kb[i])) return false;
  return ka.every((k) => sameValue((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

/** What `yaml` makes of the text with the options parseText uses, or undefined if it has any error. */
function yamlValue(text: string, json: boolean): { value: unknown } | undefined {
  const doc = parseDocument(text, {
    uniqueKeys: false,
    prettyErrors: false,
    logLevel: "error",
    ...(json ? { schema: "json" as const } : {}),
  });
  if (doc.errors.length > 0 || duplicateKeys(doc).length > 0) return undefined;
  try {
    return { value: doc.toJS({ maxAliasCount: 100 }) };
  } catch {
    return undefined;
  }
}

type Reader = (text: string, json: boolean) => ReturnType<typeof readYamlSubset>;

/** The reader takes the text only if `yaml` reads it without error, and then gives `yaml`'s value. */
function agrees(reader: Reader, text: string, json: boolean): boolean {
  const fast = reader(text, json);
  if (!fast) return true;
  const ref = yamlValue(text, json);
  return ref !== undefined && sameValue(fast.value, ref.value);
}

/** Every path into a value, plus one past each container (a missing field). */
function pathsOf(v: unknown, at: SpecPath = [], out: SpecPath[] = []): SpecPath[] {
  out.push(at);
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) pathsOf(v[i], [...at, i], out);
  } else if (typeof v === "object" && v !== null) {
    for (const [k, x] of Object.entries(v)) pathsOf(x, [...at, k], out);
    out.push([...at, "missing"]);
  }
  return out;
}

/** parseText's result equals the `yaml`-only path's: value, issues, and line:column of every path. */
function sameParse(a: ParsedText, b: ParsedText): boolean {
  if (!sameValue(a.value, b.value)) return false;
  if (JSON.stringify(a.issues) !== JSON.stringify(b.issues)) return false;
  return pathsOf(b.value)
    .slice(0, 400)
    .every((p) => JSON.stringify(a.locate(p)) === JSON.stringify(b.locate(p)));
}

/** Text-level damage: what editing a spec by hand, or an attacker, produces. */
const SNIPPETS = [
  ": ",
  ":",
  "-",
  "- ",
  "[",
  "]",
  "{",
  "}",
  ",",
  "#",
  " #",
  "'",
  '"',
  "&a ",
  "*a",
  "!!str ",
  "|\n",
  ">",
  "\n",
  "  ",
  " ",
  "\t",
  "0",
  "1.5",
  "-0",
  "~",
  "null",
  "True",
  "\\",
  "\\n",
  "\\x41",
  "x",
  "__proto__",
  "? ",
  "---\n",
  "é",
  "\r\n",
  "\u2028",
  "0x10",
  "y: 1",
  "\n  - 2",
  "{a: 1}",
  // Harmless in most places, so that many mutants stay readable and the comparison has work to do.
  "1",
  "a",
  "7",
  " # note",
  "\n# note\n",
  "\n\n",
  ".5",
  "e3",
  "_",
];
type Edit = { at: number; op: "insert" | "delete" | "dupLine" | "indent" | "dedent"; snippet: number };
const editArb: fc.Arbitrary<Edit> = fc.record({
  at: fc.nat(),
  op: fc.constantFrom("insert", "insert", "delete", "dupLine", "indent", "dedent"),
  snippet: fc.nat(SNIPPETS.length - 1),
});

function mutate(text: string, edits: readonly Edit[]): string {
  let t = text;
  for (const e of edits) {
    const at = e.at % (t.length + 1);
    const lineStart = t.lastIndexOf("\n", at - 1) + 1;
    const eol = t.indexOf("\n", at);
    const lineEnd = eol < 0 ? t.length : eol + 1;
    if (e.op === "insert") t = t.slice(0, at) + SNIPPETS[e.snippet] + t.slice(at);
    else if (e.op === "delete") t = t.slice(0, at) + t.slice(at + 1 + (e.snippet % 3));
    else if (e.op === "dupLine") t = t.slice(0, lineEnd) + t.slice(lineStart, lineEnd) + t.slice(lineEnd);
    else if (e.op === "indent") t = `${t.slice(0, lineStart)} ${t.slice(lineStart)}`;
    else if (t[lineStart] === " ") t = t.slice(0, lineStart) + t.slice(lineStart + 1);
  }
  return t;
}

const mutants = (texts: string[]) =>
  fc
    .tuple(fc.constantFrom(...texts), fc.array(editArb, { minLength: 1, maxLength: 3 }))
    .map(([t, e]) => mutate(t, e));

/** Words and numbers swapped for others: YAML stays valid, the spec gets issues (refs, params, kinds). */
const REPLACEMENTS = ["-3", "0", "nope", "x", "relu", "[1, 2]", "{}", "null", "conv2d", "add", "1.5", "'q'"];
const tokenMutants = (texts: string[]) =>
  fc
    .tuple(
      fc.constantFrom(...texts),
      fc.array(fc.tuple(fc.nat(), fc.nat(REPLACEMENTS.length - 1)), { minLength: 1, maxLength: 3 }),
    )
    .map(([text, swaps]) => {
      let t = text;
      for (const [pick, r] of swaps) {
        const words = [...t.matchAll(/(?<=[ [{,])[A-Za-z0-9_$.]+(?=[ ,\]}\n])/g)];
        const w = words[pick % words.length];
        if (w?.index !== undefined)
          t = t.slice(0, w.index) + REPLACEMENTS[r] + t.slice(w.index + w[0].length);
      }
      return t;
    });

describe("readYamlSubset", () => {
  it("reads every fixture, in YAML and in JSON, to exactly what `yaml` reads", () => {
    for (const text of YAML_TEXTS) {
      const fast = readYamlSubset(text, false, LIMITS);
      expect(fast, text.slice(0, 60)).toBeDefined();
      expect(sameValue(fast?.value, yamlValue(text, false)?.value)).toBe(true);
    }
    for (const text of JSON_TEXTS) {
      const fast = readYamlSubset(text, true, LIMITS);
      expect(fast).toBeDefined();
      expect(sameValue(fast?.value, yamlValue(text, true)?.value)).toBe(true);
    }
    // The scalars whose schema rules matter, spelled out (core schema, YAML 1.2).
    const sink = readYamlSubset(KITCHEN_SINK, false, LIMITS)?.value as Record<string, unknown>;
    expect(sink.same).toEqual([
      true,
      true,
      false,
      null,
      null,
      null,
      31,
      15,
      7,
      5,
      -0,
      0.5,
      1,
      1e-5,
      1000,
      ".infinite",
    ]);
    expect(Object.is((sink.same as unknown[])[10], -0)).toBe(true);
    expect(sink.words).toEqual([
      "on",
      "off",
      "yes",
      "no",
      "y",
      "$width",
      "$" + "{i == 0 ? s : 1}",
      "é",
      "a b  c",
    ]);
    expect(sink.name).toBe('sink "quoted" é');
    expect(sink.empty).toBeNull();
    expect(sink.folded).toBe("One paragraph: folded into a line, # not a comment.");
    expect(sink.literal).toBe("kept\nas lines\n");
  });

  it("declines what it does not read, and parseText still gives `yaml`'s answer for it", () => {
    const declined = [
      "a: &x [1]\nb: *x\n",
      "a: !!str 1\n",
      "a: |\n  text\n    more\n",
      "a: >\n  text\n\n  more\n",
      "a: |+\n  text\n",
      "a: >-\n  no line break at the end",
      "a: plain\n  continued\n",
      "a: 1\na: 2\n",
      "a:\n\t- 1\n",
      "a: 1\r\nb: 2\r\n",
      "---\na: 1\n",
      "a: 1\n---\nb: 2\n",
      "__proto__: 1\n",
      "1: one\n",
      "true: yes\n",
      "? a\n: 1\n",
      "# only a comment\n",
      "- 1\n- 2\n",
      "a:\n- b: 1\n",
      "a: [1, 2\n",
      "a: 'two\n  lines'\n",
      'a: "\\x41"\n',
      "a: b: c\n",
      "a: [b\n  c]\n",
      '{"a": 1, a: 2}',
      "a:\n  b: 1\n c: 2\n",
    ];
    for (const text of declined) {
      expect(readYamlSubset(text, false, LIMITS), JSON.stringify(text)).toBeUndefined();
      expect(sameParse(parseText(text), parseTextLocated(text))).toBe(true);
    }
    // In JSON, plain words and unquoted keys are errors for `yaml`'s json schema: declined too.
    expect(readYamlSubset('{"a": yes}', true, LIMITS)).toBeUndefined();
    expect(readYamlSubset("{a: 1}", true, LIMITS)).toBeUndefined();
    expect(readYamlSubset('{"a": 1e3, "b": [-0, null]}', true, LIMITS)?.value).toEqual({
      a: 1000,
      b: [-0, null],
    });
  });

  it("agrees with `yaml` on damaged specs: same value whenever it reads one (property)", () => {
    let read = 0;
    const counting: Reader = (t, j) => {
      const r = readYamlSubset(t, j, LIMITS);
      if (r) read++;
      return r;
    };
    fc.assert(
      fc.property(mutants(YAML_TEXTS), (t) => agrees(counting, t, false)),
      { numRuns: 400, seed: 17 },
    );
    fc.assert(
      fc.property(mutants(JSON_TEXTS), (t) => agrees(counting, t, true)),
      { numRuns: 200, seed: 18 },
    );
    // Not vacuous: 134 of the 600 mutants are read by the fast path (most others are YAML errors).
    expect(read).toBeGreaterThan(100);
  });

  it("negative control: a reader that misreads one scalar is caught by the same property", () => {
    const faulty: Reader = (t, j) => {
      const r = readYamlSubset(t, j, LIMITS);
      // A YAML 1.1 reader would take `yes` as true; here every first-found "1" becomes 1.5.
      return r && { value: JSON.parse(JSON.stringify(r.value).replace(/:1([,}])/, ":1.5$1")) as unknown };
    };
    const out = fc.check(
      fc.property(mutants(YAML_TEXTS), (t) => agrees(faulty, t, false)),
      { numRuns: 200, seed: 17 },
    );
    expect(out.failed).toBe(true);
  });
});

describe("parseText's fast path", () => {
  it("equals the `yaml`-only path on damaged specs: value, issues, line:column of every path", () => {
    fc.assert(
      fc.property(mutants(YAML_TEXTS), (t) => sameParse(parseText(t), parseTextLocated(t))),
      { numRuns: 150, seed: 19 },
    );
    fc.assert(
      fc.property(mutants(JSON_TEXTS), (t) =>
        sameParse(parseText(t, { format: "json" }), parseTextLocated(t, { format: "json" })),
      ),
      { numRuns: 80, seed: 20 },
    );
  });

  it("declines what prescan or sanitize would report, so those issues stay exactly as they were", () => {
    const cases: [string, Partial<Limits>][] = [
      ["a: [1, 2, 3, 4]\n", { maxArrayLength: 3 }],
      ["a:\n- 1\n- 2\n- 3\n- 4\n", { maxArrayLength: 3 }],
      ["a: { b: { c: { d: 1 } } }\n", { maxDepth: 3 }],
      ["a:\n  b:\n    c:\n      d: 1\n", { maxDepth: 3 }],
      ["a: [1, 2]\nb: { c: 3 }\nd:\ne: x\n", { maxValues: 7 }],
      ['"abcdef": 1\n', { maxIdChars: 4 }],
      ["a: { 'abcdef': 1 }\n", { maxIdChars: 4 }],
      ["a: .inf\n", {}],
      ["a: [1e999]\n", {}],
      ['{"a": -1e400}', {}],
    ];
    for (const [text, limits] of cases) {
      const bounded = { ...LIMITS, ...limits };
      expect(readYamlSubset(text, text.startsWith("{"), bounded), text).toBeUndefined();
      const fast = parseText(text, { limits });
      expect(fast.issues.length, text).toBeGreaterThan(0);
      expect(sameParse(fast, parseTextLocated(text, { limits })), text).toBe(true);
    }
    // Control: one value less, one level less, or a key within the limit is read by the fast path.
    expect(
      readYamlSubset("a: [1, 2]\nb: { c: 3 }\nd:\ne: x\n", false, { ...LIMITS, maxValues: 8 }),
    ).toBeDefined();
    expect(readYamlSubset("a: { b: { c: 1 } }\n", false, { ...LIMITS, maxDepth: 3 })).toBeDefined();
    expect(readYamlSubset('"abcd": 1\n', false, { ...LIMITS, maxIdChars: 4 })).toBeDefined();
    expect(readYamlSubset("a: [1, 2, 3]\n", false, { ...LIMITS, maxArrayLength: 3 })).toBeDefined();
  });

  it("equals the `yaml`-only path under tight limits too (property)", () => {
    const tight = fc.record({
      maxArrayLength: fc.integer({ min: 1, max: 8 }),
      maxDepth: fc.integer({ min: 1, max: 6 }),
      maxValues: fc.integer({ min: 5, max: 400 }),
      maxIdChars: fc.integer({ min: 2, max: 12 }),
    });
    fc.assert(
      fc.property(mutants(YAML_TEXTS), tight, (t, limits) =>
        sameParse(parseText(t, { limits }), parseTextLocated(t, { limits })),
      ),
      { numRuns: 80, seed: 22 },
    );
  });

  it("negative control: a locator off by one column is noticed", () => {
    const text = fixtureText("resnet50.yaml");
    const good = parseTextLocated(text);
    const shifted: ParsedText = {
      ...good,
      locate: (p) => {
        const at = good.locate(p);
        return at && p.length === 3 ? { line: at.line, column: at.column + 1 } : at;
      },
    };
    expect(sameParse(parseText(text), good)).toBe(true);
    expect(sameParse(shifted, good)).toBe(false);
  });
});

describe("validateSpec through the fast path and through `yaml` alone", () => {
  type Validate = typeof validateSpec;
  let fast: Validate;
  let slow: Validate;
  let fastReads = 0;
  let slowCalls = 0;

  beforeAll(async () => {
    vi.resetModules();
    vi.doMock("./yaml-subset.js", () => ({
      readYamlSubset: () => {
        slowCalls++;
        return undefined;
      },
    }));
    slow = (await import("../validate.js")).validateSpec;
    vi.doUnmock("./yaml-subset.js");
    vi.resetModules();
    vi.doMock("./yaml-subset.js", async (importOriginal) => {
      const real = await importOriginal<typeof import("./yaml-subset.js")>();
      return {
        readYamlSubset: (t: string, j: boolean, limits: typeof LIMITS) => {
          const r = real.readYamlSubset(t, j, limits);
          if (r) fastReads++;
          return r;
        },
      };
    });
    fast = (await import("../validate.js")).validateSpec;
    vi.doUnmock("./yaml-subset.js");
    vi.resetModules();
  });

  /** Codes, paths, line:column and messages (the whole issue) of both, in order. */
  const issuesOf = (v: Validate, t: string) => {
    const r = v(t);
    return JSON.stringify(r.ok ? r.warnings : r.issues);
  };

  it("gives the same issues for damaged specs (property)", () => {
    fc.assert(
      fc.property(
        fc.oneof(mutants(YAML_TEXTS.slice(1)), tokenMutants(YAML_TEXTS.slice(1))),
        (t) => issuesOf(fast, t) === issuesOf(slow, t),
      ),
      { numRuns: 120, seed: 21 },
    );
    // Both paths really ran: the slow one never read fast; the fast one read 69 mutants itself.
    expect(slowCalls).toBeGreaterThan(100);
    expect(fastReads).toBeGreaterThan(40);
  });

  it("negative control: issues with one column changed compare unequal", () => {
    const text = fixtureText("densenet121.yaml").replace("units: 1000", "units: -3");
    const r = slow(text);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const moved = r.issues.map((i, k) => (k === 0 ? { ...i, column: (i.column ?? 0) + 1 } : i));
    expect(issuesOf(fast, text)).toBe(JSON.stringify(r.issues));
    expect(JSON.stringify(moved)).not.toBe(JSON.stringify(r.issues));
  });
});
