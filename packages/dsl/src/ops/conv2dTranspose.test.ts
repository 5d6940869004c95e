import { describe, expect, it } from "vitest";
import { mustRun, runOp } from "../testing/harness.js";

describe("conv2dTranspose", () => {
  it("Keras Conv2DTranspose(64, 2) on 128 channels has 32,832 params, kernel [2,2,64,128]", () => {
    const r = mustRun("conv2dTranspose", [[8, 8, 128]], { filters: 64, kernelSize: 2, strides: 2 });
    expect(r.paramCount).toBe(32_832);
    expect(r.weights.map((w) => [w.name, w.shape])).toEqual([
      ["kernel", [2, 2, 64, 128]],
      ["bias", [64]],
    ]);
    expect(r.weights[0]?.init).toEqual({ kind: "glorotUniform", fanIn: 256, fanOut: 512 });
    expect(r.shape).toEqual([16, 16, 64]);
  });

  it.each([
    [{ kernelSize: 3, strides: 2 }, [11, 13, 4]],
    [{ kernelSize: 3, strides: 2, padding: "same" }, [10, 12, 4]],
    [{ kernelSize: 3, strides: 2, padding: [1, 0, 2, 1] }, [10, 10, 4]],
    [{ kernelSize: 3, strides: 2, padding: 1 }, [9, 11, 4]],
    [{ kernelSize: 3, dilation: 2 }, [9, 10, 4]],
    [{ kernelSize: [1, 4], strides: [3, 1] }, [13, 9, 4]],
  ])("[5,6,3] with %j -> %j", (p, out) => {
    expect(mustRun("conv2dTranspose", [[5, 6, 3]], { filters: 4, ...p }).shape).toEqual(out);
  });

  it("counts MACs over input positions: H*W*C*kh*kw*F", () => {
    const r = mustRun("conv2dTranspose", [[5, 6, 3]], { filters: 4, kernelSize: 3, strides: 2 });
    expect(r.macs).toBe(5 * 6 * 3 * 9 * 4);
    expect(r.flops).toBe(2 * r.macs + 11 * 13 * 4);
  });

  it("rejects bad params", () => {
    expect(runOp("conv2dTranspose", [[5, 6, 3]], { filters: 4, kernelSize: 0 }).ok).toBe(false);
    expect(runOp("conv2dTranspose", [[5, 6, 3]], { filters: 4, kernelSize: 3, groups: 2 }).ok).toBe(false);
  });

  it("reports a wrong rank and pads that crop everything, naming the node and input", () => {
    const r = runOp(
      "conv2dTranspose",
      [[5, 6]],
      { filters: 4, kernelSize: 3 },
      { nodeId: "up1", inputIds: ["c4"] },
    );
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.issues[0]).toMatchObject({ code: "shape_mismatch", path: ["input"], received: "[5,6]" });
    expect(r.issues[0]?.message).toContain('node "up1" (conv2dTranspose): input 1 "c4"');
    const crop = runOp("conv2dTranspose", [[2, 2, 3]], { filters: 4, kernelSize: 1, padding: [1, 1, 0, 0] });
    expect(!crop.ok && crop.issues[0]).toMatchObject({ code: "shape_mismatch", path: ["padding"] });
  });
});
