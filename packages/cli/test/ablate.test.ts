import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AblationReport } from "@fusegraph/train";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseMergeList } from "../src/commands/ablate.js";
import { makeStyle } from "../src/output.js";
import { bestVariant, renderAblation } from "../src/train/render.js";
import { run, STACK_FRAME } from "./helpers.js";

// `fusegraph ablate` in-process on tiny budgets: the cost columns must be compare's numbers for the same
// switch (asked of `fusegraph compare --json`, not written down here).

let cwd = "";
let report: AblationReport;
const TINY = [
  "--task",
  "shapes",
  "--seeds",
  "2",
  "--epochs",
  "1",
  "--train-samples",
  "8",
  "--val-samples",
  "4",
];

beforeAll(async () => {
  cwd = mkdtempSync(join(tmpdir(), "fusegraph-ablate-"));
  const r = await run(
    ["ablate", "sample:tiny-unet", "--merge", "concat,add,weightedAdd", ...TINY, "--json"],
    { cwd },
  );
  expect(r.code, r.stderr).toBe(0);
  report = JSON.parse(r.stdout) as AblationReport;
}, 120_000);

afterAll(() => {
  if (cwd) rmSync(cwd, { recursive: true, force: true });
});

const plain = makeStyle({ stdout: { write: () => {} }, env: {} });

describe("fusegraph ablate sample:tiny-unet --merge concat,add,weightedAdd", () => {
  it("trains every variant over the seeds; params and MACs are compare --json's after-totals", async () => {
    expect(report.variants.map((v) => v.merge)).toEqual(["concat", "add", "weightedAdd"]);
    expect(report.seeds).toEqual([0, 1]);
    for (const v of report.variants) {
      expect(v.feasible, v.merge).toBe(true);
      expect(v.curves).toHaveLength(2);
      const c = await run(["compare", "sample:tiny-unet", "--merge", v.merge, "--json"], { cwd });
      expect(c.code, c.stderr).toBe(0);
      const after = (JSON.parse(c.stdout) as { after: { params: { total: number }; macs: number } }).after;
      expect([v.params, v.macs], v.merge).toEqual([after.params.total, after.macs]);
    }
    // Negative control: the variants differ in cost, so a row showing another switch's numbers is caught.
    expect(new Set(report.variants.map((v) => v.params)).size).toBe(3);
  });

  it("prints one table row per variant, the best metric marked, and writes ablation.json + curves.svg", async () => {
    const r = await run(
      ["ablate", "sample:tiny-unet", "--merge", "concat,add", ...TINY, "--seeds", "1", "--out", "abl"],
      {
        cwd,
      },
    );
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.split("\n");
    const rows = lines.filter((l) => /^(concat|add)\b/.test(l));
    expect(rows).toHaveLength(2);
    expect(rows.filter((l) => l.includes(" *"))).toHaveLength(1);
    expect(r.stderr.match(/^\[\d\/2\] /gm)).toHaveLength(2);
    expect(readdirSync(join(cwd, "abl")).sort()).toEqual(["ablation.json", "curves.svg"]);
    const saved = JSON.parse(readFileSync(join(cwd, "abl", "ablation.json"), "utf8")) as AblationReport & {
      format: string;
    };
    expect(saved.format).toBe("fusegraph-ablation");
    expect(saved.variants.map((v) => v.merge)).toEqual(["concat", "add"]);
    // Replacing it needs --force, like every output.
    const again = await run(["ablate", "sample:tiny-unet", "--merge", "add", ...TINY, "--out", "abl"], {
      cwd,
    });
    expect(again.code).toBe(2);
  });

  it("the table marks the best by the metric's direction (negative control: flipping it moves the mark)", () => {
    const best = bestVariant(report);
    const flipped = bestVariant({
      ...report,
      metric: { ...report.metric, higherIsBetter: !report.metric.higherIsBetter },
    });
    const means = report.variants.map((v) => v.metric.mean);
    expect(best?.metric.mean).toBe(report.metric.higherIsBetter ? Math.max(...means) : Math.min(...means));
    expect(flipped?.metric.mean).toBe(report.metric.higherIsBetter ? Math.min(...means) : Math.max(...means));
    const text = renderAblation(report, plain);
    const rows = text.split("\n").filter((l) => /^(concat|add|weightedAdd)\b/.test(l));
    expect(rows).toHaveLength(3);
    const marked = rows.filter((l) => l.includes(" *"));
    expect(marked).toHaveLength(1);
    expect(marked[0]?.startsWith(`${best?.label} *`)).toBe(true);
  });
});

describe("ablate: infeasible switches and usage errors", () => {
  it("lists a switch that does not fit below the table with compare's reason; exit 0 when one trained", async () => {
    const args = [
      "--task",
      "blobs",
      "--seeds",
      "1",
      "--epochs",
      "1",
      "--train-samples",
      "8",
      "--val-samples",
      "4",
    ];
    const r = await run(
      ["ablate", "sample:tiny-fpn-two-ways", "--merge", "conv1x1Add,concat", "--only", "p3", ...args],
      { cwd },
    );
    expect(r.code, r.stderr).toBe(0);
    const [table, below] = r.stdout.split("Not trained");
    expect(table).toMatch(/^conv1x1Add/m);
    expect(below).toMatch(/^ {2}concat: .+/m);
    const c = await run(["compare", "sample:tiny-fpn-two-ways", "--merge", "concat", "--only", "p3"], {
      cwd,
    });
    expect(c.code).toBe(1);
    // None feasible: exit 1.
    const none = await run(
      ["ablate", "sample:tiny-fpn-two-ways", "--merge", "concat", "--only", "p3", ...args],
      { cwd },
    );
    expect(none.code).toBe(1);
    expect(none.stderr).not.toMatch(STACK_FRAME);
  });

  const cases: [string, string[], RegExp][] = [
    ["--merge foo", ["--merge", "add,foo"], /unknown merge mode "foo"; expected: /],
    ["--seeds 0", ["--merge", "add", "--seeds", "0"], /--seeds.*expected an integer >= 1/],
    ["unknown task", ["--merge", "add", "--task", "nope"], /unknown task "nope"/],
    ["--only of no merge", ["--merge", "add", "--only", "no-such-merge"], /no-such-merge/],
  ];
  for (const [what, args, message] of cases) {
    it(`${what}: exit 2, one line`, async () => {
      const withTask = args.includes("--task") ? args : [...args, "--task", "shapes"];
      const r = await run(["ablate", "sample:tiny-unet", ...withTask], { cwd });
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.stderr).toMatch(message);
    });
  }

  it("parseMergeList keeps the order and drops repeats", () => {
    expect(parseMergeList("add, concat,add")).toEqual(["add", "concat"]);
  });
});
