import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { cpuEngine } from "./cpu-engine.js";
import { type CaseResult, formatResult, runSuite } from "./runner.js";
import { resolveSuiteDir } from "./suite-dir.js";

/**
 * Every case the CPU backend skips, with the reason the mapper gives. Pinned: a case moving from pass
 * to skip, a new skip or a changed reason fails the test, and so does a skip that starts passing
 * (then delete its line here).
 */
const EXPECTED_SKIPS: Readonly<Record<string, string>> = {
  test_convtranspose_group_2: "group=2: conv2dTranspose has no groups param",
  test_convtranspose_group_2_image_3: "group=2: conv2dTranspose has no groups param",
  test_lstm_with_peepholes: "peephole weights P: the DSL's lstm has no peepholes",
  test_resize_upsample_scales_linear_half_pixel_symmetric:
    "half_pixel_symmetric at scale 2.3 (2 -> 4) reads other source pixels than the DSL's bilinear rule",
};
/** The suite in ../shared/conformance/onnx-node holds exactly this many cases; the rest of them pass. */
const CASES = 106;

const dir = resolveSuiteDir();
const present = dir !== undefined && existsSync(dir);
const title = present
  ? `runs all ${CASES} ONNX node cases: ${CASES - Object.keys(EXPECTED_SKIPS).length} pass, the pinned skips skip with their reasons, none fails`
  : `skipped: the ONNX suite directory ${dir ?? "../shared/conformance/onnx-node"} does not exist`;

const names = (rs: readonly CaseResult[], status: CaseResult["status"]): string[] =>
  rs.filter((r) => r.status === status).map((r) => r.name);

describe("ONNX node conformance on the CPU backend", () => {
  it.skipIf(!present)(title, () => {
    const suite = runSuite(dir as string, cpuEngine);
    expect(suite.results.filter((r) => r.status === "fail").map(formatResult)).toEqual([]);
    expect(suite.results).toHaveLength(CASES);
    const skips = Object.fromEntries(
      suite.results.filter((r) => r.status === "skip").map((r) => [r.name, r.detail]),
    );
    expect(skips).toEqual(EXPECTED_SKIPS);
    const all = suite.results.map((r) => r.name);
    expect(names(suite.results, "pass")).toEqual(all.filter((n) => !(n in EXPECTED_SKIPS)));
    expect(suite.passed).toBe(CASES - Object.keys(EXPECTED_SKIPS).length);
    for (const r of suite.results) if (r.status === "pass") expect(r.maxAbsError, r.name).toBeLessThan(1e-3);
  });
});
