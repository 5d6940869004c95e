import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { fixtureText } from "../__fixtures__/fixtures.js";
import { documentSchema } from "../document/document.js";
import { SpecError } from "../issues.js";
import { spec } from "./builder.js";

function resnet50() {
  const g = spec("resnet50");
  const image = g.input("image", [224, 224, 3]);
  const bottleneck = g.block(
    "bottleneck",
    {
      doc: "1x1 reduce, 3x3 (strided), 1x1 expand to 4*width, plus identity or projection shortcut.",
      params: { width: null, stride: 1, inC: null },
      inputs: ["x"],
    },
    (b, [x]) => {
      const bn = (id: string, input: typeof x, opts?: { if: `$${string}` }) =>
        b.op(id, "batchNorm", input, { epsilon: 1.0e-5 }, opts);
      const relu = (id: string, input: typeof x) => b.op(id, "activation", input, { fn: "relu" });
      const expand = b.expr("width * 4");
      const c1 = b.op("conv1", "conv2d", x, { filters: b.p("width"), kernelSize: 1, useBias: false });
      const r1 = relu("relu1", bn("bn1", c1));
      const c2 = b.op("conv2", "conv2d", r1, {
        filters: b.p("width"),
        kernelSize: 3,
        strides: b.p("stride"),
        padding: 1,
        useBias: false,
      });
      const r2 = relu("relu2", bn("bn2", c2));
      const c3 = b.op("conv3", "conv2d", r2, { filters: expand, kernelSize: 1, useBias: false });
      const b3 = bn("bn3", c3);
      const needed = { if: b.expr("stride != 1 || inC != width * 4") };
      const proj = b.op(
        "proj",
        "conv2d",
        x,
        { filters: expand, kernelSize: 1, strides: b.p("stride"), useBias: false },
        needed,
      );
      const sum = b.merge("sum", "add", [b3, bn("projBn", proj, needed)]);
      return relu("out", sum);
    },
  );
  const c1 = g.op("conv1", "conv2d", image, {
    filters: 64,
    kernelSize: 7,
    strides: 2,
    padding: 3,
    useBias: false,
  });
  const bn1 = g.op("bn1", "batchNorm", c1, { epsilon: 1.0e-5 });
  const relu = g.op("relu", "activation", bn1, { fn: "relu" });
  let x = g.op("pool", "maxPool", relu, { poolSize: 3, strides: 2, padding: [1, 1, 1, 1] });
  const layers = [
    [64, 3],
    [128, 4],
    [256, 6],
    [512, 3],
  ] as const;
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a spec template, not a JS one
  const b2 = "${i == 0 ? 2 : 1}";
  layers.forEach(([width, repeat], k) => {
    const inC = k === 0 ? 64 : width * 2;
    x = g.use(`layer${k + 1}`, bottleneck, x, {
      repeat,
      with: {
        width,
        ...(k === 0 ? {} : { stride: b2 }),
        inC: `\${i == 0 ? ${inC} : ${width * 4}}`,
      },
    });
  });
  const gap = g.op("gap", "globalAvgPool", x, {});
  g.outputs(g.op("fc", "dense", gap, { units: 1000 }));
  return g.toDocument();
}

describe("spec builder", () => {
  it("builds exactly the ResNet-50 document the YAML fixture spells out", () => {
    const fromYaml = parse(fixtureText("resnet50.yaml"));
    const built = resnet50();
    expect(built).toEqual(fromYaml);
    expect(documentSchema.safeParse(built).success).toBe(true);
  });

  it("writes input for one ref, inputs for several, and omits empty optional parts", () => {
    const g = spec("tiny-fpn", "two levels");
    const x = g.input("image", [64, 64, 3]);
    const c1 = g.op("c1", "conv2d", x, { filters: 32, kernelSize: 3 });
    const c2 = g.op("c2", "conv2d", c1, { filters: 64, kernelSize: 3, strides: 2 }, { if: true });
    const p = g.merge("p", "conv1x1Add", [c2, c1], { channels: 64 });
    const m = g.op("m", "multiply", [p, p], {});
    const identity = g.block("id", {}, (_b, [input]) => input);
    const u = g.use("u", identity, m);
    g.outputs(u, c1);
    expect(g.toDocument()).toEqual({
      fusegraph: 1,
      name: "tiny-fpn",
      doc: "two levels",
      inputs: { image: [64, 64, 3] },
      blocks: { id: { nodes: {}, output: "x" } },
      nodes: {
        c1: { op: "conv2d", input: "image", filters: 32, kernelSize: 3 },
        c2: { op: "conv2d", input: "c1", filters: 64, kernelSize: 3, strides: 2, if: true },
        p: { merge: "conv1x1Add", inputs: ["c2", "c1"], channels: 64 },
        m: { op: "multiply", inputs: ["p", "p"] },
        u: { use: "id", input: "m" },
      },
      outputs: ["u", "c1"],
    });
  });

  it("returns a document the builder no longer aliases", () => {
    const g = spec("s");
    const shape = [4, 4, 1];
    const x = g.input("x", shape);
    g.outputs(x);
    const d = g.toDocument();
    shape[0] = 99;
    (d.inputs.x as number[])[1] = 99;
    expect(g.toDocument().inputs).toEqual({ x: [4, 4, 1] });
  });

  it("throws a SpecError for duplicate ids and for handles of another scope", () => {
    const g = spec("s");
    const x = g.input("x", [4]);
    expect(() => g.op("x", "dense", x, { units: 2 })).toThrow(SpecError);
    const other = spec("t").input("y", [4]);
    expect(() => g.op("d", "dense", other, { units: 2 })).toThrow(/belongs to another spec or block/);
    expect(() => g.block("b", {}, () => x as never)).toThrow(SpecError);
  });

  it("rejects misuse at compile time", () => {
    const g = spec("s");
    const x = g.input("x", [8, 8, 3]);
    const blk = g.block("blk", { params: { width: null, k: 3 } }, (b, [input]) =>
      b.op("c", "conv2d", input, { filters: b.p("width"), kernelSize: b.p("k") }),
    );
    // @ts-expect-error: no such op kind
    expect(() => g.op("a", "conv3d", x, {})).not.toThrow();
    // @ts-expect-error: filters is a number outside blocks
    g.op("b", "conv2d", x, { filters: "64", kernelSize: 3 });
    // @ts-expect-error: merges are written with merge()
    g.op("c", "add", x, {});
    // @ts-expect-error: width is required
    g.use("u1", blk, x, { with: { k: 5 } });
    // @ts-expect-error: the options argument is required when a param is
    g.use("u2", blk, x);
    g.block("typo", { params: { width: 1 } }, (b, [input]) =>
      // @ts-expect-error: "widht" is not a param of this block
      b.op("c", "conv2d", input, { filters: b.p("widht"), kernelSize: 1 }),
    );
    expect(() =>
      // @ts-expect-error: a document-level handle cannot be used inside a block body
      g.block("leak", {}, (b) => b.op("c", "conv2d", x, { filters: 1, kernelSize: 1 })),
    ).toThrow(SpecError);
    const two = g.block("two", { inputs: ["a", "b"] }, (b, [a, c]) => b.merge("s", "add", [a, c]));
    // @ts-expect-error: a two-input block takes a tuple of two handles
    g.use("u3", two, x);
    expect(Object.keys(g.toDocument().nodes)).toEqual(["a", "b", "c", "u1", "u2", "u3"]);
  });
});

describe("builder shareWeights", () => {
  it("writes shareWeights from a handle, and the graph counts the shared weights once", async () => {
    const { validateSpec, graphCost } = await import("../pipeline.js");
    const g = spec("shared");
    const x = g.input("x", [8]);
    const a = g.op("a", "dense", x, { units: 4 });
    const b = g.op("b", "dense", a, { units: 4 }, {});
    const c = g.op("c", "dense", b, { units: 4 }, { shareWeights: b });
    g.outputs(c);
    const doc = g.toDocument();
    expect(doc.nodes.c).toMatchObject({ shareWeights: "b" });
    const r = validateSpec(doc);
    if (!r.ok) throw new Error(JSON.stringify(r.issues));
    // a: 8*4+4 = 36, b: 4*4+4 = 20, c shares b's: 0
    expect(graphCost(r.graph).total.params.trainable).toBe(56);
  });
});
