import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { exportPytorch } from "@fusegraph/backend-pytorch";
import { validateSpec } from "@fusegraph/dsl";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readNpy, writeNpy } from "../src/npy.js";
import { run, SMALL_ADD_NET } from "./helpers.js";

/** Debian's interpreter, which sees python3-torch (a python3 earlier on PATH may not). */
const PYTHON = "/usr/bin/python3";
const torchImports = spawnSync(PYTHON, ["-c", "import torch, numpy"], { encoding: "utf8" }).status === 0;
if (!torchImports && process.env.CI) throw new Error(`CI needs ${PYTHON} with torch and numpy`);

let dir = "";
const inDir = (argv: string[]) => run(argv, { cwd: dir });

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "fusegraph-compile-pytorch-"));
  writeFileSync(join(dir, "small.yaml"), SMALL_ADD_NET);
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function graphOf(text: string) {
  const r = validateSpec(text);
  if (!r.ok) throw new Error("invalid test spec");
  return r.graph;
}

describe("fusegraph compile --backend pytorch", () => {
  it("writes model.py and train_ddp.py, exactly exportPytorch of the graph; --json reports them", async () => {
    const r = await inDir(["compile", "small.yaml", "--backend", "pytorch", "--out", "torch", "--json"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const want = exportPytorch(graphOf(SMALL_ADD_NET));
    expect(readdirSync(join(dir, "torch")).sort()).toEqual(["model.py", "train_ddp.py"]);
    expect(readFileSync(join(dir, "torch", "model.py"), "utf8")).toBe(want["model.py"]);
    expect(readFileSync(join(dir, "torch", "train_ddp.py"), "utf8")).toBe(want["train_ddp.py"]);
    const body = JSON.parse(r.stdout);
    expect(body).toMatchObject({
      ok: true,
      backend: "pytorch",
      target: null,
      out: "torch",
      files: ["torch/model.py", "torch/train_ddp.py"],
      weights: null,
      seed: null,
    });
    // The same parameter count as the other backends report for the same spec.
    const cpu = await inDir(["compile", "small.yaml", "--backend", "cpu", "--out", "w-count", "--json"]);
    expect(body.params).toBe(JSON.parse(cpu.stdout).params);
    expect(body.params).toBeGreaterThan(0);
  });

  it("refuses an existing export without --force (exit 2), replaces it with --force", async () => {
    const again = await inDir(["compile", "small.yaml", "--backend", "pytorch", "--out", "torch"]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already exists; pass --force/);
    const forced = await inDir([
      "compile",
      "small.yaml",
      "--backend",
      "pytorch",
      "--out",
      "torch",
      "--force",
    ]);
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.stdout).toMatch(/^wrote {2}torch\/model\.py, torch\/train_ddp\.py {2}\(pytorch, .* params/);
    expect(readdirSync(join(dir, "torch")).sort()).toEqual(["model.py", "train_ddp.py"]);
  });

  it("--weights is a usage error naming where weights go instead (exit 2, nothing written)", async () => {
    const r = await inDir([
      "compile",
      "small.yaml",
      "--backend",
      "pytorch",
      "--out",
      "never",
      "--weights",
      "w",
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--weights does not apply to --backend pytorch: .*python3 model\.py --weights/);
    expect(readdirSync(dir)).not.toContain("never");
  });

  // The user's chain: fusegraph weights → python3 model.py gives what `fusegraph run` gives, per output.
  it.skipIf(!torchImports)(
    "python3 model.py --weights (from compile --backend cpu) agrees with fusegraph run within 1e-4",
    { timeout: 120_000 },
    async () => {
      const graph = graphOf(SMALL_ADD_NET);
      const outputs = [...graph.outputs];
      expect(outputs).toEqual(["probs", "side"]);
      const shape = [2, 6, 6, 3];
      const x = Float32Array.from({ length: 2 * 6 * 6 * 3 }, (_, i) => Math.sin(i * 0.37) * 2);
      writeFileSync(join(dir, "x.npy"), writeNpy(shape, x));
      const outputsOf = (prefix: string) =>
        outputs.map((id) => readNpy(new Uint8Array(readFileSync(join(dir, `${prefix}.${id}.npy`)))));
      const relErr = (a: { data: Float32Array }, b: { data: Float32Array }) => {
        const scale = Math.max(1, ...Array.from(a.data, Math.abs));
        return Math.max(...Array.from(a.data, (v, i) => Math.abs(v - (b.data[i] ?? Number.NaN)))) / scale;
      };
      const modelPy = (weights: string, out: string) =>
        spawnSync(PYTHON, ["torch/model.py", "--weights", weights, "--input", "x.npy", "--out", out], {
          cwd: dir,
          encoding: "utf8",
          env: { ...process.env, OMP_NUM_THREADS: "1" },
        });

      for (const [out, seed] of [
        ["w5", "5"],
        ["w6", "6"],
      ]) {
        const w = await inDir([
          "compile",
          "small.yaml",
          "--backend",
          "cpu",
          "--out",
          out as string,
          "--seed",
          seed as string,
        ]);
        expect(w.code, w.stderr).toBe(0);
      }
      const ref = await inDir([
        "run",
        "small.yaml",
        "--weights",
        "w5",
        "--input",
        "x.npy",
        "--out",
        "ref.npy",
      ]);
      expect(ref.code, ref.stderr).toBe(0);
      const py = modelPy("w5", "torch.npy");
      expect(py.status, py.stderr).toBe(0);
      const want = outputsOf("ref");
      const got = outputsOf("torch");
      for (const [i, a] of want.entries()) {
        const b = got[i];
        if (!b) throw new Error(`model.py wrote no output ${outputs[i]}`);
        expect(b.shape).toEqual(a.shape);
        expect(relErr(a, b)).toBeLessThan(1e-4);
      }
      // Negative control: other weights give other outputs, so the comparison above can fail.
      expect(modelPy("w6", "other.npy").status).toBe(0);
      const other = outputsOf("other");
      expect(relErr(want[0] as { data: Float32Array }, other[0] as { data: Float32Array })).toBeGreaterThan(
        1e-3,
      );
    },
  );
});
