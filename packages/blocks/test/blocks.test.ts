import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { formatIssue, type Graph, graphCost, validateSpec } from "@fusegraph/dsl";
import { nodeImportResolver } from "@fusegraph/dsl/node";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";

// Every block @fusegraph/blocks declares, imported by its public name as a user would, and its
// parameter and MAC counts checked against the formulas its README documents (computed here by hand,
// not by fusegraph's cost model).

const here = fileURLToPath(new URL("./", import.meta.url));
const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as {
  fusegraph: { blocks: Record<string, string> };
};

type Dims = [number, number, number];

/** A spec feeding `inputs` into one use of `@fusegraph/blocks/<block>`. */
function useOf(block: string, inputs: Record<string, Dims>, args: Record<string, unknown>): string {
  const names = Object.keys(inputs);
  return JSON.stringify({
    fusegraph: 1,
    name: `uses-${block}`,
    inputs,
    imports: { b: `@fusegraph/blocks/${block}` },
    nodes: { out: { use: "b", inputs: names, with: args } },
    outputs: ["out"],
  });
}

function graphOf(text: string): Graph {
  const r = validateSpec(text, {
    filename: `${here}spec.json`,
    resolveImport: nodeImportResolver({ cwd: here }),
  });
  if (!r.ok) throw new Error(r.issues.map((i) => formatIssue(i)).join("\n"));
  return r.graph;
}

/** batchNorm over c channels: gamma + beta trainable, moving mean + variance not. */
const bn = (c: number) => ({ trainable: 2 * c, nonTrainable: 2 * c });

interface Expected {
  trainable: number;
  nonTrainable: number;
  macs: number;
  shape: number[];
}

/** Each block's README formula, for input channels C at H x W. */
const cases: {
  block: string;
  inputs: Record<string, Dims>;
  args: Record<string, unknown>;
  expected: (a: Record<string, number | boolean>) => Expected;
  /** For the negative control: other inputs that must change the counts (default: a param + 1). */
  otherInputs?: Record<string, Dims>;
}[] = [
  {
    block: "resnetBasic",
    inputs: { x: [8, 8, 4] },
    args: { width: 6, stride: 2 },
    // conv1 3x3 C->w (stride s), conv2 3x3 w->w, shortcut 1x1 C->w (s > 1), BN after each; out H/s.
    expected: (a) => {
      const [w, h2, C] = [a.width as number, 4 * 4, 4];
      return {
        trainable: 9 * C * w + 9 * w * w + C * w + 3 * bn(w).trainable,
        nonTrainable: 3 * bn(w).nonTrainable,
        macs: h2 * (9 * C * w + 9 * w * w + C * w),
        shape: [4, 4, w],
      };
    },
  },
  {
    block: "bottleneck",
    inputs: { x: [8, 8, 16] },
    args: { width: 4, stride: 2 },
    // 1x1 C->w at H x W; 3x3 w->w (stride s), 1x1 w->4w and shortcut 1x1 C->4w at H/s x W/s.
    expected: (a) => {
      const [w, C] = [a.width as number, 16];
      return {
        trainable: C * w + 9 * w * w + 4 * w * w + 4 * C * w + 2 * (2 * w) + 2 * (2 * 4 * w),
        nonTrainable: 2 * (2 * w) + 2 * (2 * 4 * w),
        macs: 64 * C * w + 16 * (9 * w * w + 4 * w * w + 4 * C * w),
        shape: [4, 4, 4 * w],
      };
    },
  },
  {
    block: "denseLayer",
    inputs: { x: [6, 6, 8] },
    args: { growth: 4, bnSize: 2 },
    // BN(C), 1x1 C->b*g, BN(b*g), 3x3 b*g->g; out C + g channels.
    expected: (a) => {
      const [g, b, C] = [a.growth as number, a.bnSize as number, 8];
      return {
        trainable: C * b * g + 9 * b * g * g + 2 * C + 2 * b * g,
        nonTrainable: 2 * C + 2 * b * g,
        macs: 36 * (C * b * g + 9 * b * g * g),
        shape: [6, 6, C + g],
      };
    },
  },
  {
    block: "transition",
    inputs: { x: [6, 6, 8] },
    args: { filters: 4 },
    expected: (a) => ({
      trainable: 8 * (a.filters as number) + 2 * 8,
      nonTrainable: 2 * 8,
      macs: 36 * 8 * (a.filters as number),
      shape: [3, 3, a.filters as number],
    }),
  },
  {
    block: "doubleConv",
    inputs: { x: [10, 10, 3] },
    args: { filters: 4 },
    // valid 3x3 convs with bias: H-2 then H-4.
    expected: (a) => {
      const f = a.filters as number;
      return {
        trainable: 9 * 3 * f + f + 9 * f * f + f,
        nonTrainable: 0,
        macs: 64 * 9 * 3 * f + 36 * 9 * f * f,
        shape: [6, 6, f],
      };
    },
  },
  {
    block: "unetDown",
    inputs: { x: [12, 12, 3] },
    args: { filters: 4 },
    // 2x2 pool to 6x6, then valid convs: 4x4, 2x2.
    expected: (a) => {
      const f = a.filters as number;
      return {
        trainable: 9 * 3 * f + f + 9 * f * f + f,
        nonTrainable: 0,
        macs: 16 * 9 * 3 * f + 4 * 9 * f * f,
        shape: [2, 2, f],
      };
    },
  },
  {
    block: "unetUp",
    inputs: { x: [4, 4, 8], skip: [10, 10, 4] },
    args: { filters: 4 },
    // 2x2/2 transposed conv C->f (bias) to 8x8; skip cropped to 8x8; concat Cs + f; valid convs 6x6, 4x4.
    expected: (a) => {
      const f = a.filters as number;
      return {
        trainable: 4 * 8 * f + f + 9 * (4 + f) * f + f + 9 * f * f + f,
        nonTrainable: 0,
        macs: 16 * 4 * 8 * f + 36 * 9 * (4 + f) * f + 16 * 9 * f * f,
        shape: [4, 4, f],
      };
    },
  },
  {
    block: "convBnRelu",
    inputs: { x: [8, 8, 3] },
    args: { filters: 5, strides: 2 },
    expected: (a) => ({
      trainable: 9 * 3 * (a.filters as number) + 2 * (a.filters as number),
      nonTrainable: 2 * (a.filters as number),
      macs: 16 * 9 * 3 * (a.filters as number),
      shape: [4, 4, a.filters as number],
    }),
  },
  {
    block: "fpnTopDown",
    inputs: { top: [4, 4, 6], lateral: [8, 8, 10] },
    args: { channels: 6 },
    // channels must match the top map's, so the control changes the lateral's channels instead.
    otherInputs: { top: [4, 4, 6], lateral: [8, 8, 11] },
    // 1x1 lateral C_l -> c with bias at the finer size; the coarser map is upsampled, then added.
    expected: (a) => ({
      trainable: 10 * (a.channels as number) + (a.channels as number),
      nonTrainable: 0,
      macs: 64 * 10 * (a.channels as number),
      shape: [8, 8, a.channels as number],
    }),
  },
  {
    block: "weightedFusion",
    inputs: { x: [8, 8, 6], other: [4, 4, 6] },
    args: { channels: 5 },
    // two fusion weights; 3x3 conv C->c (no bias) + BN(c).
    expected: (a) => ({
      trainable: 2 + 9 * 6 * (a.channels as number) + 2 * (a.channels as number),
      nonTrainable: 2 * (a.channels as number),
      macs: 64 * 9 * 6 * (a.channels as number),
      shape: [8, 8, a.channels as number],
    }),
  },
  {
    block: "weightedFusion3",
    inputs: { x: [4, 4, 6], td: [4, 4, 6], other: [8, 8, 6] },
    args: { channels: 5 },
    expected: (a) => ({
      trainable: 3 + 9 * 6 * (a.channels as number) + 2 * (a.channels as number),
      nonTrainable: 2 * (a.channels as number),
      macs: 16 * 9 * 6 * (a.channels as number),
      shape: [4, 4, a.channels as number],
    }),
  },
  {
    block: "hedSide",
    inputs: { x: [4, 4, 7], like: [16, 16, 3] },
    args: { upsample: true },
    // 1x1 conv C->1 with bias; bilinear upsampling to like's H x W.
    expected: (a) => ({
      trainable: 7 + 1,
      nonTrainable: 0,
      macs: 16 * 7,
      shape: a.upsample ? [16, 16, 1] : [4, 4, 1],
    }),
  },
];

function actual(g: Graph): Expected {
  const cost = graphCost(g).total;
  const out = g.nodes.find((n) => n.id === g.outputs[0]);
  return {
    trainable: cost.params.trainable,
    nonTrainable: cost.params.nonTrainable,
    macs: cost.macs,
    shape: [...(out?.shape ?? [])],
  };
}

describe("@fusegraph/blocks", () => {
  it("has a test case for every block it declares, and declares only blocks that exist", () => {
    expect(cases.map((c) => c.block).sort()).toEqual(Object.keys(pkg.fusegraph.blocks).sort());
    for (const target of Object.values(pkg.fusegraph.blocks)) {
      const [file = "", block = ""] = target.split("#");
      const doc = parse(readFileSync(new URL(`../${file}`, import.meta.url), "utf8")) as {
        blocks: Record<string, unknown>;
      };
      expect(Object.keys(doc.blocks), target).toContain(block);
    }
  });

  it.each(cases)("$block: params and MACs follow its README formula", ({ block, inputs, args, expected }) => {
    const g = graphOf(useOf(block, inputs, args));
    expect(actual(g)).toEqual(expected(args as Record<string, number | boolean>));
    expect(g.imports?.[0]?.package?.name).toBe("@fusegraph/blocks");
  });

  it.each(cases.filter((c) => Object.values(c.args).some((v) => typeof v === "number")))(
    "$block: the formula check notices a different param (negative control)",
    ({ block, inputs, args, expected, otherInputs }) => {
      const key = Object.keys(args).find((k) => typeof args[k] === "number") as string;
      const other = otherInputs ? args : { ...args, [key]: (args[key] as number) + 1 };
      // The graph built differently must not match the formula evaluated at `args`.
      expect(actual(graphOf(useOf(block, otherInputs ?? inputs, other)))).not.toEqual(
        expected(args as Record<string, number | boolean>),
      );
    },
  );

  it("hedSide without upsampling keeps the score's size", () => {
    const c = cases.find((k) => k.block === "hedSide")!;
    const g = graphOf(useOf("hedSide", c.inputs, { upsample: false }));
    expect(actual(g)).toEqual(c.expected({ upsample: false }));
  });

  it("resnetBasic with stride 1 has no shortcut projection unless asked", () => {
    const plain = actual(graphOf(useOf("resnetBasic", { x: [8, 8, 6] }, { width: 6 })));
    const projected = actual(graphOf(useOf("resnetBasic", { x: [8, 8, 6] }, { width: 6, project: true })));
    expect(plain.trainable).toBe(2 * 9 * 36 + 2 * 12);
    expect(projected.trainable - plain.trainable).toBe(36 + 12);
  });
});
