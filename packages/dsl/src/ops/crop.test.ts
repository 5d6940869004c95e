import { describe, expect, it } from "vitest";
import { mustRun, runOp } from "../testing/harness.js";
import { centreCropOffsets, crop } from "./crop.js";

describe("crop", () => {
  it("`like` centre-crops to the other node's H,W (its shape comes after the data input)", () => {
    expect(
      mustRun(
        "crop",
        [
          [64, 64, 128],
          [56, 56, 256],
        ],
        { like: "up4" },
      ).shape,
    ).toEqual([56, 56, 128]);
    expect(
      mustRun(
        "crop",
        [
          [5, 6, 3],
          [5, 6, 1],
        ],
        { like: "x" },
      ).shape,
    ).toEqual([5, 6, 3]);
  });

  it("declares `like` as a ref, and nothing for `cropping`", () => {
    expect(crop.refs?.(crop.params.parse({ like: "up4" }))).toEqual(["up4"]);
    expect(crop.refs?.(crop.params.parse({ cropping: 1 }))).toEqual([]);
  });

  it("offsets are floor((H-h)/2): U-Net's 64 -> 56 skip crop starts at 4", () => {
    expect(centreCropOffsets([64, 64], [56, 56])).toEqual([4, 4]);
    expect(centreCropOffsets([7, 6], [4, 6])).toEqual([1, 0]);
  });

  it("`cropping` removes [t,b,l,r] or one int on every side", () => {
    expect(mustRun("crop", [[5, 6, 3]], { cropping: [1, 0, 2, 1] }).shape).toEqual([4, 3, 3]);
    expect(mustRun("crop", [[5, 6, 3]], { cropping: 2 }).shape).toEqual([1, 2, 3]);
  });

  it("needs exactly one of like / cropping", () => {
    expect(runOp("crop", [[5, 6, 3]], {}).ok).toBe(false);
    expect(
      runOp(
        "crop",
        [
          [5, 6, 3],
          [2, 2, 3],
        ],
        { like: "a", cropping: 1 },
      ).ok,
    ).toBe(false);
    expect(runOp("crop", [[5, 6, 3]], { like: "1bad" }).ok).toBe(false);
  });

  it("reports a crop that empties the input and a `like` larger than the input", () => {
    const over = runOp("crop", [[5, 6, 3]], { cropping: [3, 2, 0, 0] });
    expect(!over.ok && over.issues[0]).toMatchObject({
      code: "shape_mismatch",
      path: ["cropping"],
      received: "[0,6,3]",
    });
    const big = runOp(
      "crop",
      [
        [5, 6, 3],
        [6, 6, 3],
      ],
      { like: "big" },
      { nodeId: "c", inputIds: ["x", "big"] },
    );
    expect(!big.ok && big.issues[0]).toMatchObject({
      code: "shape_mismatch",
      path: ["like"],
      received: "6x6",
    });
    expect(!big.ok && big.issues[0]?.message).toContain('node "c" (crop): like "big"');
  });
});
