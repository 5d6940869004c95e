import { describe, expect, it } from "vitest";
import { mustRun, runOp } from "../testing/harness.js";
import { conv2d } from "./conv2d.js";

describe("conv2d", () => {
  it("3x3 256->256 has 590,080 params with bias", () => {
    const params = conv2d.params.parse({ filters: 256, kernelSize: 3, padding: "same" });
    const output = [28, 28, 256];
    const n = conv2d
      .weights({ inputs: [[28, 28, 256]], params, output })
      .reduce((s, w) => s + w.shape.reduce((a, b) => a * b, 1), 0);
    expect(n).toBe(590_080);
  });

  it("ResNet-50's stem: 7x7/2 same on 224x224x3 -> 112x112x64, 118.0M MACs", () => {
    const r = mustRun("conv2d", [[224, 224, 3]], {
      filters: 64,
      kernelSize: 7,
      strides: 2,
      padding: "same",
      useBias: false,
    });
    expect(r.shape).toEqual([112, 112, 64]);
    expect(r.macs).toBe(112 * 112 * 64 * 49 * 3);
    expect(r.paramCount).toBe(9408);
  });

  it.each([
    [{ kernelSize: 3 }, [3, 4, 4]],
    [{ kernelSize: 3, strides: 2, padding: "same" }, [3, 3, 4]],
    [{ kernelSize: 3, padding: [1, 0, 2, 1] }, [4, 7, 4]],
    [{ kernelSize: 3, dilation: 2, padding: 2 }, [5, 6, 4]],
    [{ kernelSize: [1, 3], strides: [2, 1] }, [3, 4, 4]],
  ])("[5,6,3] with %j -> %j", (p, out) => {
    expect(mustRun("conv2d", [[5, 6, 3]], { filters: 4, ...p }).shape).toEqual(out);
  });

  it("groups divide channels: depthwise 3x3 on 32 channels has 288 + 32 params", () => {
    const r = mustRun("conv2d", [[5, 6, 32]], { filters: 32, kernelSize: 3, groups: 32, padding: "same" });
    expect(r.weights[0]?.shape).toEqual([3, 3, 1, 32]);
    expect(r.paramCount).toBe(320);
    expect(r.macs).toBe(5 * 6 * 32 * 9);
  });

  it("rejects bad params and reports groups that do not divide, a wrong rank and a window too large", () => {
    expect(runOp("conv2d", [[5, 6, 3]], { filters: 4 }).ok).toBe(false);
    expect(runOp("conv2d", [[5, 6, 3]], { filters: 4, kernelSize: 3, padding: "full" }).ok).toBe(false);
    const g = runOp("conv2d", [[5, 6, 3]], { filters: 4, kernelSize: 3, groups: 2 });
    expect(!g.ok && g.issues[0]).toMatchObject({ code: "invalid_params", path: ["groups"] });
    const rank = runOp("conv2d", [[5, 6]], { filters: 4, kernelSize: 3 }, { nodeId: "c1", inputIds: ["x"] });
    expect(!rank.ok && rank.issues[0]?.message).toBe(
      'node "c1" (conv2d): input 1 "x" has shape [5,6], expected rank 3 [H,W,C]',
    );
    const big = runOp("conv2d", [[2, 6, 3]], { filters: 4, kernelSize: 3 });
    expect(!big.ok && big.issues[0]).toMatchObject({
      code: "shape_mismatch",
      path: ["kernelSize"],
      received: "0x4",
    });
  });
});
