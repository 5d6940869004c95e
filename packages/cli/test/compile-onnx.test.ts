import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadWeights } from "@fusegraph/backend-cpu";
import { exportOnnx, OnnxExportError } from "@fusegraph/backend-onnx";
import { initWeights, validateSpec } from "@fusegraph/dsl";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { refusedOutput } from "../src/commands/compile.js";
import { UsageError } from "../src/errors.js";
import { run, SMALL_ADD_NET } from "./helpers.js";

let dir = "";
const inDir = (argv: string[]) => run(argv, { cwd: dir });

/** Valid, but ONNX opset 17 cannot express it: AveragePool has no dilations before opset 19. */
const DILATED_AVG = [
  "fusegraph: 1",
  "name: dilated-avg",
  "inputs:",
  "  x: [8, 8, 2]",
  "nodes:",
  "  p: { op: avgPool, input: x, poolSize: 2, strides: 1, dilation: 2 }",
  "outputs: [p]",
  "",
].join("\n");

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "fusegraph-compile-onnx-"));
  writeFileSync(join(dir, "small.yaml"), SMALL_ADD_NET);
  writeFileSync(join(dir, "dilated.yaml"), DILATED_AVG);
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function graphOf(text: string) {
  const r = validateSpec(text);
  if (!r.ok) throw new Error("invalid test spec");
  return r.graph;
}

const bytesOf = (path: string) => new Uint8Array(readFileSync(path));

describe("fusegraph compile --backend onnx", () => {
  it("writes out/model.onnx: exactly exportOnnx of the graph with initWeights(seed); --json reports it", async () => {
    const r = await inDir([
      "compile",
      "small.yaml",
      "--backend",
      "onnx",
      "--out",
      "onnx",
      "--seed",
      "3",
      "--json",
    ]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const file = join(dir, "onnx", "model.onnx");
    expect(JSON.parse(r.stdout)).toEqual({
      ok: true,
      backend: "onnx",
      target: null,
      out: "onnx",
      files: ["onnx/model.onnx"],
      bytes: statSync(file).size,
      params: 313,
      weights: null,
      seed: 3,
    });
    expect(readdirSync(join(dir, "onnx"))).toEqual(["model.onnx"]);
    const g = graphOf(SMALL_ADD_NET);
    expect(bytesOf(file)).toEqual(exportOnnx(g, { weights: initWeights(g, { seed: 3 }) }));
    // Control: another seed gives other bytes, so the comparison above can fail.
    expect(bytesOf(file)).not.toEqual(exportOnnx(g, { weights: initWeights(g, { seed: 4 }) }));
  });

  it("prints one line without --json, and takes --weights from a fusegraph weights directory", async () => {
    expect(
      (await inDir(["compile", "small.yaml", "--backend", "cpu", "--out", "w", "--seed", "9"])).code,
    ).toBe(0);
    const r = await inDir([
      "compile",
      "small.yaml",
      "--backend",
      "onnx",
      "--out",
      "from-w",
      "--weights",
      "w",
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(
      /^wrote {2}from-w\/model\.onnx {2}\(onnx, 313 params, 0\.00 MB, weights from w\)\n$/,
    );
    const g = graphOf(SMALL_ADD_NET);
    const weights = await loadWeights(join(dir, "w"), g);
    expect(bytesOf(join(dir, "from-w", "model.onnx"))).toEqual(exportOnnx(g, { weights }));
  });

  it("--opset 18/19 is written into the model; --opset is refused for other backends and other values (exit 2)", async () => {
    const r = await inDir(["compile", "small.yaml", "--backend", "onnx", "--opset", "19", "--out", "o19"]);
    expect(r.code, r.stderr).toBe(0);
    const g = graphOf(SMALL_ADD_NET);
    const model = bytesOf(join(dir, "o19", "model.onnx"));
    expect(model).toEqual(exportOnnx(g, { weights: initWeights(g, { seed: 0 }), opset: 19 }));
    const cpu = await inDir([
      "compile",
      "small.yaml",
      "--backend",
      "cpu",
      "--opset",
      "18",
      "--out",
      "never1",
    ]);
    expect(cpu.code).toBe(2);
    expect(cpu.stderr).toBe("fusegraph: error: --opset applies to --backend onnx only (got --backend cpu)\n");
    const bad = await inDir([
      "compile",
      "small.yaml",
      "--backend",
      "onnx",
      "--opset",
      "16",
      "--out",
      "never2",
    ]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe("fusegraph: error: --opset must be one of 17, 18, 19 (got 16)\n");
    const portable = await inDir([
      "compile",
      "small.yaml",
      "--backend",
      "onnx",
      "--portable",
      "--out",
      "never3",
    ]);
    expect(portable.code).toBe(2);
    expect(portable.stderr).toMatch(/--portable applies to --backend tfjs only/);
    for (const d of ["never1", "never2", "never3"]) expect(existsSync(join(dir, d))).toBe(false);
  });

  it("a node ONNX cannot express: exit 1, one line naming the node with the hint, nothing written", async () => {
    const r = await inDir(["compile", "dilated.yaml", "--backend", "onnx", "--out", "dilated"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(
      /^fusegraph: error: node "p": \(avgPool\) avgPool dilation 2 cannot be expressed in opset 17 .*\(hint: .*--opset 19.*\)\n$/,
    );
    expect(existsSync(join(dir, "dilated"))).toBe(false);
    const json = await inDir(["compile", "dilated.yaml", "--backend", "onnx", "--out", "dilated", "--json"]);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({
      ok: false,
      error: { code: "unsupported_params", nodeId: "p", hint: expect.stringContaining("--opset 19") },
    });
    // The hint works: opset 19 expresses it.
    const fixed = await inDir([
      "compile",
      "dilated.yaml",
      "--backend",
      "onnx",
      "--opset",
      "19",
      "--out",
      "dilated",
    ]);
    expect(fixed.code, fixed.stderr).toBe(0);
    expect(readdirSync(join(dir, "dilated"))).toEqual(["model.onnx"]);
  });

  it("--out rules as for the other backends: an existing output needs --force, a user's directory is never replaced", async () => {
    const again = await inDir(["compile", "small.yaml", "--backend", "onnx", "--out", "onnx"]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/^fusegraph: error: /);
    mkdirSync(join(dir, "mine"));
    writeFileSync(join(dir, "mine", "keep.txt"), "mine");
    const r = await inDir(["compile", "small.yaml", "--backend", "onnx", "--out", "mine", "--force"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /^fusegraph: error: --out mine is not a fusegraph output \(it holds "keep.txt"\)/,
    );
    expect(readdirSync(join(dir, "mine"))).toEqual(["keep.txt"]);
  });

  it("refusedOutput turns backend-onnx's output_dir errors (only those) into usage errors", () => {
    const refused = refusedOutput(
      new OnnxExportError("output_dir", undefined, "cannot write to x: permission denied"),
    );
    expect(refused).toBeInstanceOf(UsageError);
    expect(refused?.message).toBe("--out cannot write to x: permission denied");
    expect(refusedOutput(new OnnxExportError("unsupported_params", "p", "no"))).toBeUndefined();
  });

  it("the help text describes the onnx backend and --opset", async () => {
    const r = await run(["compile", "--help"]);
    expect(r.stdout).toContain("--backend onnx  model.onnx");
    expect(r.stdout).toContain("--opset <n>");
    expect(r.stdout).toContain("$ fusegraph compile tiny-unet --backend onnx");
  });
});
