import { describe, expect, it } from "vitest";
import { z } from "zod";
import { type OpKind, opDef, ops } from "../ops/index.js";
import {
  describeArity,
  describeValues,
  OPS_DOC_COMMAND,
  OPS_DOC_PATH,
  paramDocs,
  renderOpsDoc,
} from "./ops-doc.js";

const page = renderOpsDoc();
const kinds = Object.keys(ops) as OpKind[];
const sectionOf = (kind: OpKind): string => page.split(`\n### ${kind}\n`)[1]?.split("\n### ")[0] ?? "";

describe(OPS_DOC_PATH, () => {
  it(`is the committed page, generated from the op definitions (regenerate: ${OPS_DOC_COMMAND})`, async () => {
    await expect(page).toMatchFileSnapshot(`../../../../${OPS_DOC_PATH}`);
  });

  it("has one section per op kind, holding that op's prose from its definition", () => {
    const headings = [...page.matchAll(/^### (\w+)$/gm)].map((m) => m[1]);
    expect(headings.sort()).toEqual([...kinds].sort());
    for (const k of kinds) {
      const def = opDef(k);
      expect(sectionOf(k), k).toContain(def.details ?? def.doc);
      expect(page, k).toContain(def.doc.replaceAll("|", "\\|"));
    }
    // Negative control: the section splitter finds nothing for a kind that does not exist.
    expect(sectionOf("noSuchOp" as OpKind)).toBe("");
  });

  it("lists each param with the default the op's schema applies (checked by parsing)", () => {
    const conv = sectionOf("conv2d");
    const parsed = ops.conv2d.params.parse({ filters: 1, kernelSize: 1 });
    for (const [name, value] of Object.entries(parsed)) {
      if (name === "filters" || name === "kernelSize") expect(conv).toContain(`\`${name}\` `);
      else expect(conv, name).toContain(`(default ${JSON.stringify(value)})`);
    }
    expect(conv).toMatch(/`filters` int > 0 \(required\)/);
    expect(sectionOf("dropout")).toMatch(/`rate` number >= 0, < 1 \(required\)/);
  });

  it("shows each example's weights with the shapes the op declares", () => {
    expect(sectionOf("conv2d")).toContain("**Weights** of the example: `kernel` [3,3,3,4], `bias` [4]");
    expect(sectionOf("lstm")).toContain("example: `kernel` [4,12], `recurrentKernel` [3,12], `bias` [12]");
    expect(sectionOf("weightedAdd")).toMatch(/Expands to.*\(fusionWeights\).*\(scaleBy\).*\(add\)/);
    expect(sectionOf("add")).not.toContain("**Weights**");
  });
});

describe("describing params", () => {
  const json = (s: z.ZodType) => z.toJSONSchema(s, { io: "input" }) as Parameters<typeof describeValues>[0];

  it("writes bounds, unions, tuples and enums in words", () => {
    expect(describeValues(json(z.number().int().positive()))).toBe("int > 0");
    expect(describeValues(json(z.number().min(0).lt(1)))).toBe("number >= 0, < 1");
    expect(describeValues(json(z.number().int()))).toBe("int");
    expect(describeValues(json(z.union([z.enum(["a", "b"]), z.tuple([z.number(), z.boolean()])])))).toBe(
      "`a` or `b` or [number, boolean]",
    );
    expect(describeValues(json(z.array(z.number().int().nonnegative())))).toBe("list of int >= 0");
  });

  it("gives required, optional and defaults", () => {
    const def = {
      ...opDef("add"),
      params: z.strictObject({ a: z.number(), b: z.number().optional(), c: z.boolean().default(false) }),
    };
    expect(paramDocs(def).map((p) => `${p.name}:${p.presence}`)).toEqual([
      "a:required",
      "b:optional",
      "c:default false",
    ]);
  });

  it("merges activation's per-fn variants into one list", () => {
    const fn = paramDocs(opDef("activation")).find((p) => p.name === "fn");
    expect(fn?.values).toBe("`relu` or `leakyRelu` or `sigmoid` or `tanh` or `softmax`");
  });

  it("words arity", () => {
    expect([1, 2, "variadic", { min: 2, max: 64 }].map((a) => describeArity(a as never))).toEqual([
      "1 input",
      "2 inputs",
      "any number of inputs",
      "2 to 64 inputs",
    ]);
  });
});
