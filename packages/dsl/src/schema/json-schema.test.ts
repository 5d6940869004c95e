import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { ops } from "../ops/index.js";
import { specJsonSchema } from "./json-schema.js";

interface Variant {
  title?: string;
  properties: Record<string, { const?: string; anyOf?: { pattern?: string }[] }>;
  required?: string[];
  additionalProperties?: unknown;
}
interface Schema {
  properties: {
    nodes: { additionalProperties: { anyOf: Variant[] } };
    blocks: {
      additionalProperties: { properties: { nodes: { additionalProperties: { anyOf: Variant[] } } } };
    };
  };
}

const schema = specJsonSchema() as unknown as Schema;
const topVariants = schema.properties.nodes.additionalProperties.anyOf;
const blockVariants =
  schema.properties.blocks.additionalProperties.properties.nodes.additionalProperties.anyOf;
const kindOf = (v: Variant) => v.properties.op?.const ?? v.properties.merge?.const;

describe("specJsonSchema", () => {
  it("matches the committed packages/dsl/schema/fusegraph.schema.json (update with vitest -u)", async () => {
    await expect(`${JSON.stringify(specJsonSchema(), null, 2)}\n`).toMatchFileSnapshot(
      "../../schema/fusegraph.schema.json",
    );
  });

  it("has a node variant for every op kind, with that op's params", () => {
    const kinds = new Set(topVariants.map(kindOf).filter((k) => k !== undefined));
    expect([...kinds].sort()).toEqual(Object.keys(ops).sort());
    const conv = topVariants.find((v) => kindOf(v) === "conv2d")!;
    expect(conv.title).toBe("op: conv2d");
    expect(Object.keys(conv.properties)).toEqual(
      expect.arrayContaining(["op", "input", "inputs", "shareWeights", "filters", "kernelSize", "padding"]),
    );
    // Weight sharing is a field of op and merge nodes, not of block uses.
    const use = topVariants.find((v) => v.properties.use !== undefined)!;
    expect(Object.keys(use.properties)).not.toContain("shareWeights");
    expect(conv.required).toEqual(["op", "filters", "kernelSize"]);
    expect(conv.additionalProperties).toBe(false);
    const add = topVariants.find((v) => kindOf(v) === "add")!;
    expect(add.properties.merge?.const).toBe("add");
    expect(topVariants.some((v) => v.properties.use !== undefined)).toBe(true);
  });

  it("lets block nodes hold $ substitutions where params go, keeping required params required", () => {
    const conv = blockVariants.find((v) => kindOf(v) === "conv2d")!;
    expect(conv.properties.filters?.anyOf?.some((a) => a.pattern === "^\\$")).toBe(true);
    expect(conv.required).toEqual(["op", "filters", "kernelSize"]);
  });

  it("declares every field the example specs use", () => {
    for (const f of ["resnet50", "densenet121"]) {
      const doc = parse(readFileSync(new URL(`../__fixtures__/${f}.yaml`, import.meta.url), "utf8")) as {
        nodes: Record<string, Record<string, unknown>>;
        blocks: Record<string, { nodes: Record<string, Record<string, unknown>> }>;
      };
      const check = (node: Record<string, unknown>, variants: Variant[]) => {
        const kind = (node.op ?? node.merge) as string | undefined;
        const candidates = variants.filter((v) =>
          kind === undefined ? v.properties.use : kindOf(v) === kind,
        );
        const fits = candidates.some((v) => Object.keys(node).every((k) => k in v.properties));
        expect(fits, `${f}: ${JSON.stringify(node)}`).toBe(true);
      };
      for (const n of Object.values(doc.nodes)) check(n, topVariants);
      for (const b of Object.values(doc.blocks))
        for (const n of Object.values(b.nodes)) check(n, blockVariants);
    }
  });
});
