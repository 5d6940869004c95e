import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { numel } from "../shape.js";
import { mustRun, runExpansion, runOp } from "../testing/harness.js";

describe("conv1x1Add", () => {
  it("FPN lateral merge: project the mismatched input, upsample the smaller one", () => {
    // p5.up is [8,8,16] (already `channels`), c4 is [16,16,32] and needs a 1x1 projection.
    const r = mustRun(
      "conv1x1Add",
      [
        [8, 8, 16],
        [16, 16, 32],
      ],
      { channels: 16 },
    );
    expect(r.shape).toEqual([16, 16, 16]);
    expect(r.weights.map((w) => [w.name, w.shape])).toEqual([
      ["proj1/kernel", [1, 1, 32, 16]],
      ["proj1/bias", [16]],
    ]);
    expect(r.paramCount).toBe(32 * 16 + 16);
    expect(r.macs).toBe(16 * 16 * 32 * 16);
  });

  it("FPN-on-ResNet-50 laterals to 256 channels: 1x1 from 2048/1024/512/256 has 984,064 params", () => {
    const sizes = [2048, 1024, 512, 256];
    const total = sizes
      .map(
        (c) =>
          mustRun(
            "conv1x1Add",
            [
              [7, 7, c],
              [7, 7, 256],
            ],
            { channels: 256, project: [0] },
          ).paramCount,
      )
      .reduce((a, b) => a + b, 0);
    // (2048+1024+512+256)*256 weights + 4*256 biases
    expect(total).toBe(984_064);
  });

  it("project all / a list, with batchNorm; resizeFirst projects at the large size", () => {
    const inputs = [
      [4, 5, 3],
      [7, 9, 6],
    ];
    const all = mustRun("conv1x1Add", inputs, {
      channels: 6,
      project: "all",
      norm: "batchNorm",
      useBias: false,
    });
    expect(all.shape).toEqual([7, 9, 6]);
    expect(all.weights.map((w) => w.name)).toEqual([
      "proj0/kernel",
      "proj0/bn/gamma",
      "proj0/bn/beta",
      "proj0/bn/movingMean",
      "proj0/bn/movingVariance",
      "proj1/kernel",
      "proj1/bn/gamma",
      "proj1/bn/beta",
      "proj1/bn/movingMean",
      "proj1/bn/movingVariance",
    ]);
    expect(all.paramCount).toBe(18 + 24 + 36 + 24);
    expect(all.macs).toBe(4 * 5 * 3 * 6 + 7 * 9 * 6 * 6);
    const first = mustRun("conv1x1Add", inputs, { channels: 6, project: [0], resizeFirst: true });
    expect(first.macs).toBe(7 * 9 * 3 * 6);
  });

  it("keeps the largest H and largest W independently", () => {
    expect(
      mustRun(
        "conv1x1Add",
        [
          [8, 3, 4],
          [5, 6, 4],
        ],
        { channels: 4 },
      ).shape,
    ).toEqual([8, 6, 4]);
  });

  it("rejects bad params", () => {
    expect(
      runOp(
        "conv1x1Add",
        [
          [4, 4, 3],
          [4, 4, 3],
        ],
        {},
      ).ok,
    ).toBe(false);
    expect(
      runOp(
        "conv1x1Add",
        [
          [4, 4, 3],
          [4, 4, 3],
        ],
        { channels: 3, project: "some" },
      ).ok,
    ).toBe(false);
    expect(
      runOp(
        "conv1x1Add",
        [
          [4, 4, 3],
          [4, 4, 3],
        ],
        { channels: 3, project: [0, 0] },
      ).ok,
    ).toBe(false);
    expect(
      runOp(
        "conv1x1Add",
        [
          [4, 4, 3],
          [4, 4, 3],
        ],
        { channels: 3, alignCorners: true },
      ).ok,
    ).toBe(false);
  });

  it("reports an unprojected input with the wrong channels, hinting at project/channels", () => {
    const r = runOp(
      "conv1x1Add",
      [
        [8, 8, 16],
        [16, 16, 32],
      ],
      { channels: 16, project: [0] },
      {
        nodeId: "p4",
        inputIds: ["p5", "c4"],
      },
    );
    expect(!r.ok && r.issues[0]).toMatchObject({
      code: "shape_mismatch",
      path: ["inputs", 1],
      expected: "16 channels",
      received: "32 channels",
      hint: "project: all, or channels: 32",
    });
    expect(!r.ok && r.issues[0]?.message).toContain('merge "p4" (conv1x1Add): input 2 "c4"');
  });

  it("reports project indices past the inputs and non-image inputs", () => {
    const r = runOp(
      "conv1x1Add",
      [
        [4, 4, 3],
        [4, 4, 3],
      ],
      { channels: 3, project: [2] },
    );
    expect(!r.ok && r.issues[0]).toMatchObject({ code: "invalid_params", path: ["project"] });
    const rank = runOp("conv1x1Add", [[4, 4, 3], [16]], { channels: 3 });
    expect(!rank.ok && rank.issues[0]).toMatchObject({ code: "shape_mismatch", path: ["inputs", 1] });
  });

  it("expands to conv2d (-> batchNorm) -> upsample per input, then add carrying the id", () => {
    const e = runExpansion(
      "conv1x1Add",
      [
        [4, 5, 3],
        [7, 9, 6],
      ],
      { channels: 6, norm: "batchNorm", resize: "bilinear" },
      { nodeId: "m", inputIds: ["a", "b"] },
    );
    expect(e.nodes.map((n) => [n.id, n.kind, n.inputs])).toEqual([
      ["m/proj0", "conv2d", ["a"]],
      ["m/proj0/bn", "batchNorm", ["m/proj0"]],
      ["m/resize0", "upsample", ["m/proj0/bn"]],
      ["m", "add", ["m/resize0", "b"]],
    ]);
    const first = runExpansion(
      "conv1x1Add",
      [
        [4, 5, 3],
        [7, 9, 6],
      ],
      { channels: 6, resizeFirst: true },
      {
        nodeId: "m",
        inputIds: ["a", "b"],
      },
    );
    expect(first.nodes.map((n) => n.id)).toEqual(["m/resize0", "m/proj0", "m"]);
    expect(first.nodes[0]?.shape).toEqual([7, 9, 3]);
  });

  it("property: the expansion has the composite's shape, weights, weight count, MACs and flops", () => {
    const input = fc.record({
      h: fc.integer({ min: 1, max: 6 }),
      w: fc.integer({ min: 1, max: 6 }),
      c: fc.integer({ min: 1, max: 5 }),
    });
    const cfg = fc.record({
      inputs: fc.array(input, { minLength: 2, maxLength: 4 }),
      channels: fc.integer({ min: 1, max: 5 }),
      all: fc.boolean(),
      useBias: fc.boolean(),
      norm: fc.constantFrom("none", "batchNorm"),
      resize: fc.constantFrom("nearest", "bilinear"),
      resizeFirst: fc.boolean(),
    });
    fc.assert(
      fc.property(cfg, ({ inputs: dims, all, ...rest }) => {
        const inputs = dims.map((d) => [d.h, d.w, d.c]);
        const params = { ...rest, project: all ? "all" : "mismatched" };
        const r = mustRun("conv1x1Add", inputs, params);
        const e = runExpansion("conv1x1Add", inputs, params, { nodeId: "m" });
        expect(e.nodes.at(-1)?.id).toBe("m");
        expect(e.nodes.at(-1)?.shape).toEqual(r.shape);
        let total = 0;
        for (const w of e.weights.values()) total += numel(w.shape);
        expect(total).toBe(r.paramCount);
        expect(e.nodes.reduce((s, n) => s + n.macs, 0)).toBe(r.macs);
        expect(e.nodes.reduce((s, n) => s + n.flops, 0)).toBe(r.flops);
        for (const w of r.weights) {
          const target = e.weights.get(e.weightMap[w.name] ?? "");
          expect(target && { ...target, name: w.name }).toEqual(w);
        }
        expect(Object.keys(e.weightMap).sort()).toEqual(r.weights.map((w) => w.name).sort());
      }),
      { numRuns: 80 },
    );
  });
});
