import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { listExamples } from "@fusegraph/examples";
import { describe, expect, it } from "vitest";
import { runMain } from "../src/commands/main-job.js";
import type { CommandContext } from "../src/context.js";
import { checkStage, inspectStage, mainStages, yamlStage } from "../src/main-job/analysis-stages.js";
import type { Stage } from "../src/main-job/stage.js";
import type { JobSubject } from "../src/main-job/subjects.js";
import { makeStyle } from "../src/output.js";
import { fakeIO, MISMATCHED_ADD, run } from "./helpers.js";

const tmp = (): string => mkdtempSync(join(tmpdir(), "fusegraph-main-"));

function context(): { ctx: CommandContext; stdout: () => string; stderr: () => string } {
  const f = fakeIO();
  return { ctx: { io: f.io, style: makeStyle(f.io), debug: false }, stdout: f.stdout, stderr: f.stderr };
}

const textSubject = (name: string, text: string): JobSubject => ({
  name,
  origin: "sample",
  load: async () => ({ kind: "text", label: `${name}.yaml`, origin: "sample", text }),
});

const GOOD = [
  "fusegraph: 1",
  "name: good",
  "inputs:",
  "  x: [4, 4, 3]",
  "nodes:",
  "  a: { op: conv2d, input: x, filters: 3, kernelSize: 1 }",
  "  s: { merge: add, inputs: [a, x] }",
  "outputs: [s]",
  "",
].join("\n");

describe("fusegraph main", () => {
  it("checks and inspects every bundled example and sample, ending with one table", async () => {
    // The analysis stages only: compiling and verifying every example is the job itself, not a unit test.
    const { ctx, stdout, stderr } = context();
    const r = { code: await runMain({}, ctx, mainStages), stdout: stdout(), stderr: stderr() };
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const names = [...listExamples().map((e) => e.name), "tiny-fpn-two-ways", "tiny-hed", "tiny-unet"];
    const header = r.stdout
      .split("\n")
      .findIndex((l) => /^Example\s+Source\s+Merge modes\s+Params\s+MACs\s+Status$/.test(l));
    expect(header).toBeGreaterThan(0);
    for (const name of names)
      expect(r.stdout).toMatch(new RegExp(`^${name}\\s+(example|sample)\\s+.*\\s+ok`, "m"));
    expect(r.stdout).toMatch(/^tiny-unet\s+sample\s+concat\s+6,434\s/m);
    expect(r.stdout).toMatch(/^tiny-fpn-two-ways\s+sample\s+conv1x1Add, add\s+41,968\s/m);
    expect(r.stdout).toContain(`${names.length} specs: ${names.length} ok, 0 failed`);
  });

  it("--json reports each spec's merges, params and stages", async () => {
    const { ctx, stdout } = context();
    const r = { code: await runMain({ json: true }, ctx, mainStages), stdout: stdout() };
    expect(r.code).toBe(0);
    const body = JSON.parse(r.stdout) as {
      ok: boolean;
      results: {
        name: string;
        merges: string[];
        params: { total: number };
        ok: boolean;
        stages: { name: string; status: string }[];
      }[];
    };
    expect(body.ok).toBe(true);
    const hed = body.results.find((x) => x.name === "tiny-hed")!;
    expect(hed).toMatchObject({ merges: ["weightedAdd"], ok: true, params: { total: 3_759 } });
    expect(hed.stages.map((s) => s.name)).toEqual(mainStages.map((s) => s.name));
  });

  it("fails (exit 1) when one spec is invalid, shows its issues, and skips its later stages", async () => {
    const { ctx, stdout } = context();
    const code = await runMain(
      {},
      ctx,
      [checkStage, inspectStage],
      [textSubject("good", GOOD), textSubject("bad", MISMATCHED_ADD)],
    );
    expect(code).toBe(1);
    expect(stdout()).toMatch(/^\[2\/2\] bad: check failed, inspect skipped$/m);
    expect(stdout()).toMatch(/^good\s+sample\s+add\s+12\s+\S+\s+ok$/m);
    expect(stdout()).toMatch(/^bad\s+sample\s+-\s+-\s+-\s+FAILED at check: 1 error$/m);
    expect(stdout()).toMatch(/^bad\.yaml:8:\d+ {2}shape_mismatch {2}/m);
    expect(stdout()).toContain("2 specs: 1 ok, 1 failed");
  });

  it("turns a stage that throws into a failed stage of that spec only (extension point)", async () => {
    const exploding: Stage = {
      name: "compile",
      run: async (state) => {
        if (state.subject.name === "bad") throw new Error("lowering exploded");
        return { status: "ok" };
      },
    };
    const after: Stage = {
      name: "verify",
      run: async () => ({ status: "ok" }),
      column: { header: "Max error", align: "right", cell: (state) => (state.graph ? "1e-6" : "-") },
    };
    const { ctx, stdout } = context();
    const code = await runMain(
      {},
      ctx,
      [checkStage, inspectStage, exploding, after],
      [textSubject("good", GOOD), { ...textSubject("bad", GOOD), name: "bad" }],
    );
    expect(code).toBe(1);
    expect(stdout()).toMatch(/^\[1\/2\] good: check ok, inspect ok, compile ok, verify ok$/m);
    expect(stdout()).toMatch(/^\[2\/2\] bad: check ok, inspect ok, compile failed, verify skipped$/m);
    expect(stdout()).toMatch(/^Example\s+Source\s+Merge modes\s+Params\s+MACs\s+Max error\s+Status$/m);
    expect(stdout()).toMatch(/^good\s+sample\s+add\s+12\s+144\s+1e-6\s+ok$/m);
    expect(stdout()).toMatch(
      /^bad\s+sample\s+add\s+12\s+144\s+1e-6\s+FAILED at compile: lowering exploded$/m,
    );
    expect(stdout()).not.toMatch(/^\s+at\s/m);
  });

  it("flags an example whose declared merges differ from what its graph uses", async () => {
    const { ctx, stdout } = context();
    const subject: JobSubject = {
      ...textSubject("liar", GOOD),
      origin: "example",
      declaredMerges: ["concat"],
    };
    const code = await runMain({}, ctx, mainStages, [subject]);
    expect(code).toBe(0);
    expect(stdout()).toMatch(/declares merges \[concat\] but its graph uses \[add\]/);
    expect(stdout()).toMatch(/ok \(merges differ from declared\)/);
  });

  it("checks that an example's YAML spec has the same params and MACs as its builder", async () => {
    const dir = mkdtempSync(join(tmpdir(), "fusegraph-yaml-"));
    try {
      const same = join(dir, "same.yaml");
      const wider = join(dir, "wider.yaml");
      writeFileSync(same, GOOD);
      // Same topology, but the add's first input has 3 channels from a 3x3 conv instead of a 1x1 one.
      writeFileSync(wider, GOOD.replace("kernelSize: 1", "kernelSize: 3, padding: same"));
      const { ctx, stdout } = context();
      const code = await runMain(
        {},
        ctx,
        [checkStage, inspectStage, yamlStage],
        [
          { ...textSubject("same", GOOD), origin: "example", yamlPath: same },
          { ...textSubject("wider", GOOD), origin: "example", yamlPath: wider },
          textSubject("plain", GOOD),
        ],
      );
      expect(code).toBe(1);
      expect(stdout()).toMatch(/^\[1\/3\] same: check ok, inspect ok, yaml ok$/m);
      expect(stdout()).toMatch(/^\[3\/3\] plain: check ok, inspect ok, yaml skipped$/m);
      expect(stdout()).toMatch(/^wider\s+.*FAILED at yaml: YAML differs from builder$/m);
      // 3*3*3*3+3 = 84 params and 4*4*3*27 = 1,296 MACs in the YAML, against 12 and 144.
      expect(stdout()).toMatch(/wider\.yaml: 84 params and 1,296 MACs, but the builder gives 12 and 144$/m);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("fails when there is nothing to run", async () => {
    const { ctx, stderr } = context();
    expect(await runMain({}, ctx, mainStages, [])).toBe(1);
    expect(stderr()).toBe("fusegraph: error: no bundled examples or sample specs were found\n");
  });

  it("compiles, verifies and draws each subject into --out-dir, with the extra columns", async () => {
    const dir = tmp();
    try {
      const { ctx, stdout, stderr } = context();
      const code = await runMain({ outDir: join(dir, "out"), only: ["tiny-unet", "tiny-hed"] }, ctx);
      expect(stderr()).toBe("");
      expect(code).toBe(0);
      const out = stdout();
      expect(out).toMatch(
        /^\[1\/2\] tiny-hed: check ok, inspect ok, yaml skipped, compile ok, verify ok, draw ok$/m,
      );
      expect(out).toMatch(
        /^Example\s+Source\s+Merge modes\s+Params\s+MACs\s+Compiled at\s+Verify max err\s+Status$/m,
      );
      // A sample has no smallSpec: it compiles at its own input size, so no "(small)".
      expect(out).toMatch(/^tiny-unet\s+sample\s+concat\s+6,434\s+\S+ \S+\s+68x68x1\s+\d\.\d\de-\d\s+ok$/m);
      for (const f of [
        "sample-tiny-unet/model.json",
        "sample-tiny-unet/weights.bin",
        "sample-tiny-unet.svg",
        "sample-tiny-hed.svg",
      ]) {
        expect(existsSync(join(dir, "out", f))).toBe(true);
      }
      const model = JSON.parse(readFileSync(join(dir, "out/sample-tiny-unet/model.json"), "utf8"));
      expect(model.format).toBe("layers-model");
      // 6,434 float32 weights.
      expect(readFileSync(join(dir, "out/sample-tiny-unet/weights.bin")).length).toBe(6_434 * 4);
      expect(out).toContain("2 specs: 2 ok, 0 failed");
      // It says where everything went: each model directory with its weights' size, and the drawings.
      const outDir = join(dir, "out");
      expect(out).toContain(`\nOutputs, in ${outDir}/:\n  2 tfjs models (model.json + weights.bin):\n`);
      expect(out).toMatch(new RegExp(`^ {4}${join(outDir, "sample-tiny-unet")}/\\s+25\\.1 KiB$`, "m"));
      expect(out).toContain(`  2 drawings: ${join(outDir, "<name>.svg")}\n`);
      expect(out).not.toContain("not written");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("writes a model over 4 MiB of weights only with --full-weights, and says so", async () => {
    // 1024 -> 1100 dense: 1,127,500 float32 params, 4,510,000 bytes (> 4 MiB = 4,194,304).
    const big = [
      "fusegraph: 1",
      "name: big",
      "inputs:",
      "  x: [1024]",
      "nodes:",
      "  d: { op: dense, input: x, units: 1100 }",
      "outputs: [d]",
      "",
    ].join("\n");
    const dir = tmp();
    try {
      const { ctx, stdout } = context();
      const code = await runMain({ outDir: join(dir, "o") }, ctx, undefined, [textSubject("big", big)]);
      expect(code).toBe(0);
      // Compiled and verified in memory, but nothing written but the drawing.
      expect(stdout()).toMatch(
        /^\[1\/1\] big: check ok, inspect ok, yaml skipped, compile ok, verify ok, draw ok$/m,
      );
      expect(existsSync(join(dir, "o/sample-big"))).toBe(false);
      expect(existsSync(join(dir, "o/sample-big.svg"))).toBe(true);
      expect(stdout()).toContain(
        "  not written: 1 model with over 4.0 MiB of weights (4.3 MiB in all), compiled and verified in memory;\n" +
          "  rerun with --full-weights to write them:\n    big\n",
      );
      expect(stdout()).not.toContain("tfjs model");

      // Negative control: the same job with --full-weights writes the model, every weight of it.
      const full = context();
      const again = await runMain({ outDir: join(dir, "o"), fullWeights: true }, full.ctx, undefined, [
        textSubject("big", big),
      ]);
      expect(again).toBe(0);
      expect(readFileSync(join(dir, "o/sample-big/weights.bin")).length).toBe((1024 * 1100 + 1100) * 4);
      expect(full.stdout()).toMatch(
        /^ {2}1 tfjs model \(model\.json \+ weights\.bin\):\n {4}\S+sample-big\/\s+4\.3 MiB$/m,
      );
      expect(full.stdout()).not.toContain("not written");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("--full-weights is an option of the command, and the help says what it writes", async () => {
    const help = await run(["main", "--help"]);
    expect(help.stdout).toMatch(/--full-weights +also write the models with more than 4 MiB of weights/);
    expect(help.stdout).toContain(
      "bigger ones are\ncompiled and verified in memory only, unless --full-weights",
    );
  });

  it("--json adds verify's errors and the written files", async () => {
    const dir = tmp();
    try {
      const { ctx, stdout } = context();
      const code = await runMain({ json: true, outDir: join(dir, "o"), only: ["tiny-hed"] }, ctx);
      expect(code).toBe(0);
      const body = JSON.parse(stdout());
      const hed = body.results[0];
      expect(hed.verify.ok).toBe(true);
      expect(hed.verify.maxRelError).toBeLessThan(1e-4);
      expect(hed.files.map((f: string) => f.replace(/\\/g, "/").replace(/.*\/o\//, ""))).toEqual([
        "sample-tiny-hed/model.json",
        "sample-tiny-hed/weights.bin",
        "sample-tiny-hed.svg",
      ]);
      expect(hed.weights).toEqual({ bytes: 3_759 * 4, written: true });
      expect(body.comparisons).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("ends with U-Net's and FPN's compare tables (every merge switched, or the feasible ones)", async () => {
    const { ctx, stdout } = context();
    const code = await runMain({ only: ["unet", "fpn-resnet50"] }, ctx, mainStages);
    expect(code).toBe(0);
    const out = stdout();
    expect(out).toMatch(/^unet: every merge switched to add$/m);
    // Each decoder level l's first conv sees 2C -> C input channels (C = 64 * 2^(l-1)): 3*3*C*C fewer
    // weights, 36,864 * (1 + 4 + 16 + 64) in all.
    expect(out).toMatch(/^Params \(total\)\s+31,030,658\s+27,897,218\s+-3,133,440\s+-10\.1%$/m);
    expect(out).toMatch(/^up4\/merge\s+concat → add\s+-2,359,296\s/m);
    expect(out).toMatch(/^up1\/merge\s+concat → add\s+-36,864\s/m);
    // FPN's top-down merges join maps of different sizes: only some backbone adds can become concats.
    expect(out).toMatch(
      /^fpn-resnet50: concat — switching every merge is not feasible; \d+ of \d+ merges can switch$/m,
    );
    expect(out).toMatch(/^why not all: cannot switch merge "fpn\/merge\d"/m);
    expect(out).toMatch(
      /^fpn-resnet50: add — switching every merge is not feasible; 0 of \d+ merges can switch$/m,
    );
  });

  it("--only with an unknown name is a usage error", async () => {
    const r = await run(["main", "--only", "tiny-unet,nope"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^fusegraph: error: --only: no example or sample named "nope" \(known: /);
  });
});
