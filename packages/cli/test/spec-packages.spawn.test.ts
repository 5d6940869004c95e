import { spawnSync } from "node:child_process";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLI_BIN, ensureBuilt, REPO_ROOT, type Spawned, STACK_FRAME, spawnPlain } from "./helpers.js";

// Spec packages end to end, as a user meets them: `fusegraph init` a package, add a spec importing a
// block from a second package, `npm pack` both, install the tarballs (offline) into a third project and
// run the CLI there on `@acme/vision/classifier`. Everything lives in a temp directory outside the repo.

let tmp = "";
let shimDir = "";
const cli = (cwd: string, args: string[]): Spawned => spawnPlain(process.execPath, [CLI_BIN, ...args], cwd);

function npm(cwd: string, args: string[], path = process.env.PATH ?? ""): Spawned {
  const r = spawnSync("npm", args, {
    cwd,
    encoding: "utf8",
    env: { ...process.env, PATH: path, npm_config_update_notifier: "false", NO_COLOR: "1" },
    timeout: 120_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const RESIDUAL_BLOCKS = `fusegraph: 1
doc: A residual block shared by the fixture package.
blocks:
  residual:
    params: { width: null }
    nodes:
      conv: { op: conv2d, input: x, filters: $width, kernelSize: 3, padding: same }
      relu: { op: activation, input: conv, fn: relu }
      sum: { merge: add, inputs: [x, relu] }
    output: sum
`;

const CLASSIFIER = `fusegraph: 1
name: classifier
inputs:
  image: [8, 8, 3]
imports:
  residual: "@fixture/blocks/residual"
  convBnRelu: "./blocks.yaml#convBnRelu"
nodes:
  stem: { use: convBnRelu, input: image, with: { filters: 8 } }
  body: { use: residual, input: stem, repeat: 2, with: { width: 8 } }
  pool: { op: globalAvgPool, input: body }
  logits: { op: dense, input: pool, units: 4 }
outputs: [logits]
`;

// By hand. stem: 3x3 conv 3 -> 8, no bias: 3*3*3*8 = 216 params, 8*8*8 outputs * 27 = 13,824 MACs;
// its batchNorm: gamma+beta 16 trainable, moving mean+variance 16 non-trainable. Each residual: 3x3 conv
// 8 -> 8 with bias: 3*3*8*8 + 8 = 584 params, 8*8*8 * 72 = 36,864 MACs (two of them). dense 8 -> 4:
// 8*4 + 4 = 36 params, 32 MACs. relu, add, pool and batchNorm count no MACs.
const EXPECTED = {
  trainable: 216 + 16 + 2 * 584 + 36,
  nonTrainable: 16,
  macs: 13_824 + 2 * 36_864 + 32,
};

const vision = () => join(tmp, "acme-vision");
const project = () => join(tmp, "project");

beforeAll(() => {
  ensureBuilt();
  tmp = mkdtempSync(join(tmpdir(), "fusegraph-spec-packages-"));
  expect(relative(REPO_ROOT, tmp).startsWith("..")).toBe(true);
  // `fusegraph` on PATH for the scaffold's test script: the repo's built CLI.
  shimDir = join(tmp, "bin");
  mkdirSync(shimDir);
  writeFileSync(join(shimDir, "fusegraph"), `#!/bin/sh\nexec "${process.execPath}" "${CLI_BIN}" "$@"\n`);
  chmodSync(join(shimDir, "fusegraph"), 0o755);
}, 320_000);

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe("fusegraph init", () => {
  it("scaffolds a spec package whose test script passes right away", () => {
    const r = cli(tmp, ["init", "acme-vision", "--scope", "@acme", "--name", "vision"]);
    expect(r.code, r.stderr).toBe(0);
    const pkg = JSON.parse(readFileSync(join(vision(), "package.json"), "utf8"));
    expect(pkg.name).toBe("@acme/vision");
    expect(pkg.fusegraph.specs).toEqual({ vision: "./specs/vision.yaml" });
    for (const f of ["README.md", "specs/vision.yaml", "specs/blocks.yaml", ".changeset/config.json"]) {
      expect(existsSync(join(vision(), f)), f).toBe(true);
    }
    const path = `${shimDir}${delimiter}${process.env.PATH ?? ""}`;
    const t = npm(vision(), ["test"], path);
    expect(t.code, t.stdout + t.stderr).toBe(0);
    expect(t.stdout).toContain("1 of 1 specs pass fusegraph check");
  });

  it("its test script fails when a spec is broken (negative control)", () => {
    const spec = join(vision(), "specs/vision.yaml");
    const good = readFileSync(spec, "utf8");
    writeFileSync(spec, good.replace("inputs: [stem, body]", "inputs: [stem, nowhere]"));
    const t = npm(vision(), ["test"], `${shimDir}${delimiter}${process.env.PATH ?? ""}`);
    writeFileSync(spec, good);
    expect(t.code).toBe(1);
    expect(t.stdout).toContain("0 of 1 specs pass");
  });

  it("refuses a non-empty directory (exit 2) and leaves it alone", () => {
    const r = cli(tmp, ["init", "acme-vision"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^fusegraph: error: cannot init "acme-vision": the directory is not empty/m);
    expect(JSON.parse(readFileSync(join(vision(), "package.json"), "utf8")).name).toBe("@acme/vision");
  });

  it("refuses a bad scope (exit 2)", () => {
    const r = cli(tmp, ["init", "other", "--scope", "@Bad Scope"]);
    expect(r.code).toBe(2);
    expect(existsSync(join(tmp, "other"))).toBe(false);
  });
});

describe("spec packages, packed and installed offline into a third project", () => {
  beforeAll(() => {
    // The second package: a fixture with one block, no dependencies.
    const blocks = join(tmp, "fixture-blocks");
    mkdirSync(join(blocks, "specs"), { recursive: true });
    writeFileSync(
      join(blocks, "package.json"),
      JSON.stringify({
        name: "@fixture/blocks",
        version: "1.0.0",
        files: ["specs"],
        fusegraph: { blocks: { residual: "./specs/residual.yaml#residual" } },
      }),
    );
    writeFileSync(join(blocks, "specs/residual.yaml"), RESIDUAL_BLOCKS);
    // The scaffolded package gets a spec importing from the fixture and from its own blocks.
    writeFileSync(join(vision(), "specs/classifier.yaml"), CLASSIFIER);
    const pkgPath = join(vision(), "package.json");
    const pkg = JSON.parse(readFileSync(pkgPath, "utf8"));
    pkg.fusegraph.specs.classifier = "./specs/classifier.yaml";
    writeFileSync(pkgPath, JSON.stringify(pkg, null, 2));

    const tarballs = join(tmp, "tarballs");
    mkdirSync(tarballs);
    for (const dir of [vision(), blocks]) {
      const p = npm(dir, ["pack", "--pack-destination", tarballs]);
      expect(p.code, p.stderr).toBe(0);
    }
    mkdirSync(project());
    writeFileSync(join(project(), "package.json"), JSON.stringify({ name: "consumer", private: true }));
    const files = readdirSync(tarballs).map((f) => join(tarballs, f));
    expect(files).toHaveLength(2);
    const i = npm(project(), ["install", "--offline", "--no-audit", "--no-fund", ...files]);
    expect(i.code, i.stderr).toBe(0);
  }, 300_000);

  it("inspect --json gives the params and MACs counted by hand, and where each block came from", () => {
    const r = cli(project(), ["inspect", "@acme/vision/classifier", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.name).toBe("classifier");
    expect(j.params).toEqual({
      trainable: EXPECTED.trainable,
      nonTrainable: EXPECTED.nonTrainable,
      total: EXPECTED.trainable + EXPECTED.nonTrainable,
    });
    expect(j.macs).toBe(EXPECTED.macs);
    expect(j.imports).toEqual([
      {
        name: "residual",
        specifier: "@fixture/blocks/residual",
        block: "residual",
        file: "@fixture/blocks/specs/residual.yaml",
        package: "@fixture/blocks@1.0.0",
        importedBy: null,
      },
      {
        name: "convBnRelu",
        specifier: "./blocks.yaml#convBnRelu",
        block: "convBnRelu",
        file: "@acme/vision/specs/blocks.yaml",
        package: "@acme/vision@0.1.0",
        importedBy: null,
      },
    ]);
  });

  it("inspect (text) names each imported block's package@version", () => {
    const r = cli(project(), ["inspect", "@acme/vision/classifier"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^Imported blocks:$/m);
    expect(r.stdout).toMatch(/^ {2}residual {2}@fixture\/blocks@1\.0\.0 /m);
    expect(r.stdout).toMatch(/^ {2}convBnRelu {2}@acme\/vision@0\.1\.0 /m);
  });

  it("compile and verify work on the package's spec", () => {
    const c = cli(project(), ["compile", "@acme/vision/classifier", "--out", "build/classifier", "--json"]);
    expect(c.code, c.stderr).toBe(0);
    expect(existsSync(join(project(), "build/classifier/model.json"))).toBe(true);
    const v = cli(project(), ["verify", "@acme/vision/classifier", "--backend", "cpu", "--json"]);
    expect(v.code, v.stderr).toBe(0);
    expect(JSON.parse(v.stdout).ok).toBe(true);
  }, 120_000);

  it("an unknown spec or package is a usage error (exit 2) naming what exists", () => {
    const spec = cli(project(), ["inspect", "@acme/vision/nope"]);
    expect(spec.code).toBe(2);
    expect(spec.stderr).toContain('declares no spec "nope"');
    expect(spec.stderr).toContain("its specs: vision, classifier");
    const pkg = cli(project(), ["check", "@acme/absent/x"]);
    expect(pkg.code).toBe(2);
    expect(pkg.stderr).toContain('package "@acme/absent" is not installed');
    expect(spec.stderr + pkg.stderr).not.toMatch(STACK_FRAME);
  });

  it("an import error inside an installed package is exit 1, located in that package's file", () => {
    const file = join(project(), "node_modules/@acme/vision/specs/classifier.yaml");
    const good = readFileSync(file, "utf8");
    writeFileSync(file, good.replace("@fixture/blocks/residual", "@fixture/blocks/residul"));
    const r = cli(project(), ["check", "@acme/vision/classifier", "--json"]);
    writeFileSync(file, good);
    expect(r.code).toBe(1);
    const j = JSON.parse(r.stdout);
    expect(j.file).toBe("@acme/vision/specs/classifier.yaml");
    expect(j.issues).toHaveLength(1);
    expect(j.issues[0]).toMatchObject({ code: "import_not_found", line: 6, column: 3 });
    expect(j.issues[0].message).toContain('declares no block "residul"');
  });
});
