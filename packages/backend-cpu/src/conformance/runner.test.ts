import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { TensorData } from "@fusegraph/dsl";
import { describe, expect, it } from "vitest";
import { type Engine, formatResult, formatSummary, runCase, runSuite } from "./runner.js";
import { findRepoRoot, resolveSuiteDir } from "./suite-dir.js";

const suite = resolveSuiteDir();
const present = suite !== undefined && existsSync(suite);

/** An engine independent of the backend: applies relu to its one feed, with an optional error added. */
const reluEngine =
  (offset = 0): Engine =>
  (doc, _weights, feeds) => {
    const x = Object.values(feeds)[0] as TensorData;
    const id = doc.outputs[0] as string;
    return { [id]: { shape: x.shape, data: x.data.map((v) => Math.max(0, v) + offset) } };
  };

describe.skipIf(!present)(
  present
    ? "runner over real cases with stand-in engines"
    : `runner over real cases with stand-in engines (skipped: ${suite ?? "../shared/conformance/onnx-node"} does not exist)`,
  () => {
    const root = suite as string;

    it("passes test_relu when the engine computes relu", () => {
      const r = runCase(root, "test_relu", reluEngine());
      expect(r).toMatchObject({ status: "pass", maxAbsError: 0 });
      expect(formatResult(r)).toBe("PASS test_relu  max error 0.00e+0");
    });

    it("fails an engine off by more than the tolerance, and reports the error", () => {
      const r = runCase(root, "test_relu", reluEngine(1e-3));
      expect(r.status).toBe("fail");
      expect(r.detail).toMatch(/max error 1\.00e-3/);
    });

    it("fails an engine that throws, or returns a wrong shape or no output", () => {
      const throwing: Engine = () => {
        throw new Error("kernel missing\nsecond line");
      };
      expect(runCase(root, "test_relu", throwing)).toMatchObject({
        status: "fail",
        detail: "error: kernel missing",
      });
      const wrongShape: Engine = () => ({ y: { shape: [1, 60], data: new Float32Array(60) } });
      expect(runCase(root, "test_relu", wrongShape)).toMatchObject({ status: "fail" });
      expect(runCase(root, "test_relu", () => ({})).detail).toMatch(/not produced/);
    });

    it("skips without running the engine when the mapping refuses", () => {
      const r = runCase(root, "test_lstm_with_peepholes", () => {
        throw new Error("must not run");
      });
      expect(r).toMatchObject({ status: "skip", detail: expect.stringMatching(/peephole/) });
    });

    it("fails a case directory that cannot be read", () => {
      expect(runCase(root, "test_does_not_exist", reluEngine()).detail).toMatch(/cannot read the case/);
    });
  },
);

describe("suite location and summary", () => {
  it("finds the monorepo root above this file and the suite beside it", () => {
    const root = findRepoRoot(import.meta.dirname);
    expect(root).toBeDefined();
    expect(existsSync(join(root as string, "packages", "backend-cpu"))).toBe(true);
    expect(resolveSuiteDir()).toBe(resolve(root as string, "../shared/conformance/onnx-node"));
    expect(resolveSuiteDir("some/dir")).toBe(resolve("some/dir"));
  });

  it("counts an empty suite and prints the closing line CI reads", () => {
    const dir = mkdtempSync(join(tmpdir(), "onnx-empty-"));
    try {
      const s = runSuite(dir, reluEngine());
      expect(formatSummary(s)).toBe("onnx conformance: 0 passed, 0 failed, 0 skipped");
    } finally {
      rmSync(dir, { recursive: true });
    }
  });
});
