import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import type { InspectJson } from "../src/commands/inspect.js";
import { samplesDir } from "../src/spec-input.js";
import { MISMATCHED_ADD, mergeThenConvSpec, run } from "./helpers.js";

const sample = (name: string): string => resolve(samplesDir(), `${name}.yaml`);

async function inspectJson(argv: string[], stdin?: string): Promise<InspectJson> {
  const r = await run(["inspect", ...argv, "--json"], stdin === undefined ? {} : { stdin });
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as InspectJson;
}

describe("fusegraph inspect", () => {
  // Hand-computed: k*k*Cin*filters + filters. After add the conv sees 256 channels, after concat 512.
  it("counts 590,080 params for a 3x3x256 conv after add, 1,179,904 after concat", async () => {
    const add = await inspectJson(["-"], mergeThenConvSpec("add"));
    const concat = await inspectJson(["-"], mergeThenConvSpec("concat"));
    const conv = (j: InspectJson) => j.nodes.find((n) => n.id === "conv")!;
    expect(conv(add).params).toBe(3 * 3 * 256 * 256 + 256);
    expect(conv(add).params).toBe(590_080);
    expect(add.params.total).toBe(590_080);
    expect(conv(concat).params).toBe(1_179_904);
    expect(concat.params).toEqual({ trainable: 1_179_904, nonTrainable: 0, total: 1_179_904 });
    // MACs: 14*14 outputs * 256 filters * 3*3*C_in.
    expect(add.macs).toBe(14 * 14 * 256 * 9 * 256);
    expect(concat.macs).toBe(2 * add.macs);
    const merge = (j: InspectJson) => j.nodes.find((n) => n.id === "m")!;
    expect(merge(add)).toMatchObject({
      kind: "add",
      category: "merge",
      params: 0,
      macs: 0,
      shape: [14, 14, 256],
    });
    expect(merge(concat)).toMatchObject({ kind: "concat", category: "merge", shape: [14, 14, 512] });
  });

  // Hand-computed per node in the comments of each sample (k*k*Cin*filters + filters).
  it.each([
    // c2 448 + c3 4,640 + c4 18,496 + p4 1,560 + p3 projection of C3 792 + lateral 408 + 3 x 5,208
    [
      "tiny-fpn-two-ways",
      41_968,
      [
        ["p2.out", [32, 32, 24]],
        ["p3.out", [16, 16, 24]],
        ["p4.out", [8, 8, 24]],
      ],
    ],
    // 80 + 584 + 1,168 + 2,320 + transposed 2*2*8*16+8 = 520 + 1,160 + 584 + 18
    ["tiny-unet", 6_434, [["probs", [52, 52, 2]]]],
    // 224 + 9 + 1,168 + 17 + 2,320 + 17 + weightedAdd 3 weights + 1 bias
    [
      "tiny-hed",
      3_759,
      [
        ["fuse.prob", [64, 64, 1]],
        ["side1.prob", [64, 64, 1]],
        ["side2.prob", [64, 64, 1]],
        ["side3.prob", [64, 64, 1]],
      ],
    ],
  ] as const)("reports %s's params and output shapes", async (name, total, outputs) => {
    const j = await inspectJson([sample(name)]);
    expect(j.name).toBe(name);
    expect(j.params.total).toBe(total);
    expect(j.params.trainable + j.params.nonTrainable).toBe(total);
    expect(j.nodes.reduce((a, n) => a + n.params, 0)).toBe(total);
    expect(j.outputs).toEqual(outputs.map(([id, shape]) => ({ id, shape })));
  });

  it("gives the FPN's conv1x1Add node the weights of projecting only the mismatched input", async () => {
    const j = await inspectJson(["sample:tiny-fpn-two-ways"]);
    const p3 = j.nodes.find((n) => n.id === "p3")!;
    expect(p3).toMatchObject({
      kind: "conv1x1Add",
      category: "merge",
      inputs: ["p4", "c3.relu"],
      shape: [16, 16, 24],
    });
    expect(p3.params).toBe(32 * 24 + 24);
    // The projection of C3 to 24 channels over 16x16 positions.
    expect(p3.macs).toBe(16 * 16 * 32 * 24);
    expect(j.nodes.find((n) => n.id === "c2")!.macs).toBe(32 * 32 * 16 * 3 * 3 * 3);
  });

  it("prints a summary table with merge nodes marked and the totals", async () => {
    const r = await run(["inspect", sample("tiny-unet")]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Model: "tiny-unet"');
    expect(r.stdout).toMatch(/^merged\s+merge:concat\s+skip, up\s+\[56,56,16\]\s+0\s+0$/m);
    expect(r.stdout).toMatch(/^up\s+conv2dTranspose\s+mid\.relu2\s+\[56,56,8\]\s+520\s+[\d,]+$/m);
    expect(r.stdout).toMatch(/^Total params:\s+6,434 \(0\.02 MB\)$/m);
    expect(r.stdout).toMatch(/^Trainable params:\s+6,434$/m);
    expect(r.stdout).toMatch(/^Non-trainable params:\s+0$/m);
    expect(r.stdout).toMatch(/^MACs:\s+[\d,]+ \([\d.]+ [KMG]\)$/m);
    expect(r.stdout).toMatch(/^FLOPs:\s+[\d,]+/m);
    // No colour outside a terminal.
    expect(r.stdout).not.toContain("\u001b[");
  });

  it("exits 1 on an invalid spec with the issues on stderr and nothing on stdout", async () => {
    const r = await run(["inspect", "-"], { stdin: MISMATCHED_ADD });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/^<stdin>:8:\d+ {2}shape_mismatch {2}/m);
    expect(r.stderr).toMatch(/^fusegraph: error: <stdin> is not a valid spec/m);
  });
});
