// biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${expr}` templates are spec text here
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { fixtureText } from "../__fixtures__/fixtures.js";
import { documentSchema, type SpecDocumentInput } from "../document/document.js";
import { printSpec } from "./print.js";

const NODE_FIELDS = new Set(["op", "merge", "use", "input", "inputs", "with", "repeat", "if"]);

const id = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_.\-/]{0,10}$/);
const key = fc
  .stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,8}$/)
  .filter((k) => !NODE_FIELDS.has(k) && k !== "__proto__");

/** Strings that YAML would read as something else unless quoted. */
const tricky = fc.constantFrom(
  "",
  "null",
  "~",
  "true",
  "False",
  "yes",
  "on",
  "1e3",
  "0x1F",
  "0o17",
  ".inf",
  "-.5",
  "12",
  "- item",
  "#comment",
  "a: b",
  "a #b",
  "{a}",
  "[b]",
  "*alias",
  "&anchor",
  "!tag",
  "%dir",
  "@at",
  "`bt`",
  "'single'",
  '"double"',
  " lead",
  "trail ",
  "multi\nline\n",
  "tab\tin",
  "$width",
  "${width * 4}",
  "conv_${i}",
  "a,b",
  "?",
  ":",
  "|",
  ">",
);

const scalar = fc.oneof(
  tricky,
  fc.string(),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }).filter((d) => !Object.is(d, -0)),
  fc.boolean(),
  fc.constant(null),
);

const { value } = fc.letrec<{ value: unknown }>((rec) => ({
  value: fc.oneof(
    { depthSize: "small" },
    scalar,
    fc.array(rec("value"), { maxLength: 4 }),
    fc.dictionary(key, rec("value"), { maxKeys: 4 }),
  ),
}));

const refs = fc.array(id, { minLength: 1, maxLength: 3 });

const node = fc
  .tuple(
    fc.oneof(
      fc.record({ op: fc.constantFrom("conv2d", "dense", "batchNorm") }),
      fc.record({ merge: fc.constantFrom("add", "concat") }),
      fc.record(
        {
          use: id,
          with: fc.dictionary(key, value, { maxKeys: 3 }),
          repeat: fc.oneof(fc.integer({ min: 1, max: 50 }), fc.constant("${2 * n}")),
        },
        { requiredKeys: ["use"] },
      ),
    ),
    fc.oneof(fc.record({ input: id }), fc.record({ inputs: refs }), fc.constant({})),
    fc.dictionary(key, value, { maxKeys: 4 }),
    fc.option(fc.oneof(fc.boolean(), fc.constant("${stride != 1}")), { nil: undefined }),
  )
  .map(([head, ins, params, cond]) => ({
    ...head,
    ...ins,
    ...params,
    ...(cond === undefined ? {} : { if: cond }),
  }));

const nodes = fc.dictionary(id, node, { minKeys: 1, maxKeys: 5 });

const block = fc.record(
  {
    params: fc.dictionary(key, fc.oneof(value, fc.constant(null)), { maxKeys: 3 }),
    inputs: fc.uniqueArray(id, { minLength: 1, maxLength: 2 }),
    nodes,
    output: id,
    doc: fc.oneof(fc.string(), tricky),
  },
  { requiredKeys: ["nodes", "output"] },
);

const document: fc.Arbitrary<SpecDocumentInput> = fc.record(
  {
    fusegraph: fc.constant(1 as const),
    name: fc.oneof(
      fc.string({ minLength: 1 }),
      tricky.filter((s) => s !== ""),
    ),
    doc: fc.oneof(fc.string(), tricky),
    inputs: fc.dictionary(id, fc.array(fc.integer({ min: 1, max: 4096 }), { minLength: 1, maxLength: 4 }), {
      maxKeys: 3,
    }),
    blocks: fc.dictionary(id, block, { maxKeys: 2 }),
    nodes,
    outputs: refs,
  },
  { requiredKeys: ["fusegraph", "name", "inputs", "nodes", "outputs"] },
) as fc.Arbitrary<SpecDocumentInput>;

describe("printSpec", () => {
  it("round-trips random valid documents through YAML and JSON", () => {
    fc.assert(
      fc.property(document, (doc) => {
        expect(documentSchema.safeParse(doc).success).toBe(true);
        expect(parse(printSpec(doc, "yaml"))).toEqual(doc);
        expect(JSON.parse(printSpec(doc, "json"))).toEqual(doc);
      }),
      { numRuns: 150 },
    );
  });

  it("prints ResNet-50 readably: one line per short node, sections in reading order", () => {
    const doc = parse(fixtureText("resnet50.yaml")) as SpecDocumentInput;
    const text = printSpec(doc, "yaml");
    expect(parse(text)).toEqual(doc);
    const lines = text.split("\n");
    expect(lines).toContain("  fc: { op: dense, input: gap, units: 1000 }");
    expect(lines).toContain("      sum: { merge: add, inputs: [ bn3, projBn ] }");
    expect(lines).toContain("inputs: { image: [ 224, 224, 3 ] }");
    expect(lines).toContain("outputs: [ fc ]");
    expect(lines.every((l) => l.length <= 110)).toBe(true);
    const top = lines.filter((l) => /^\w/.test(l)).map((l) => l.split(":")[0]);
    expect(top).toEqual(["fusegraph", "name", "inputs", "blocks", "nodes", "outputs"]);
    expect(text.split("\n").length).toBeLessThan(80);
  });

  it("orders node fields kind first, condition last, whatever order they were built in", () => {
    const doc: SpecDocumentInput = {
      outputs: ["b"],
      nodes: { b: { if: true, units: 3, input: "a", op: "dense" } },
      inputs: { a: [4] },
      name: "n",
      fusegraph: 1,
    };
    expect(printSpec(doc, "yaml")).toBe(
      "fusegraph: 1\nname: n\ninputs: { a: [ 4 ] }\nnodes:\n  b: { op: dense, input: a, units: 3, if: true }\noutputs: [ b ]\n",
    );
    expect(Object.keys(JSON.parse(printSpec(doc, "json")))).toEqual([
      "fusegraph",
      "name",
      "inputs",
      "nodes",
      "outputs",
    ]);
  });

  it("never writes YAML anchors for repeated objects", () => {
    const shared = { op: "dense", input: "a", units: 3 };
    const doc: SpecDocumentInput = {
      fusegraph: 1,
      name: "n",
      inputs: { a: [4] },
      nodes: { b: shared, c: shared },
      outputs: ["c"],
    };
    const text = printSpec(doc, "yaml");
    expect(text).not.toMatch(/[&*]a\d/);
    expect(parse(text)).toEqual(doc);
  });
});
