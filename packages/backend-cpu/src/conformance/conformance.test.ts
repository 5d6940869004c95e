import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { cpuEngine } from "./cpu-engine.js";
import { formatResult, runSuite } from "./runner.js";
import { resolveSuiteDir } from "./suite-dir.js";

const dir = resolveSuiteDir();
const present = dir !== undefined && existsSync(dir);
const title = present
  ? "runs all 106 ONNX node cases: 0 failed, >= 85 passed, every skip with its reason"
  : `skipped: the ONNX suite directory ${dir ?? "../shared/conformance/onnx-node"} does not exist`;

describe("ONNX node conformance on the CPU backend", () => {
  it.skipIf(!present)(title, () => {
    const suite = runSuite(dir as string, cpuEngine);
    expect(suite.results.filter((r) => r.status === "fail").map(formatResult)).toEqual([]);
    expect(suite.results).toHaveLength(106);
    expect(suite.passed).toBeGreaterThanOrEqual(85);
    for (const r of suite.results) {
      if (r.status === "skip") expect(r.detail).toMatch(/\w+ \w+/);
      if (r.status === "pass") expect(r.maxAbsError).toBeLessThan(1e-3);
    }
  });
});
