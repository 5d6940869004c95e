import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadModel } from "@fusegraph/backend-tfjs/node";
import * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { run } from "./helpers.js";

/** conv -> batchNorm -> relu -> dropout -> pool -> dense: every inference rewrite applies once. */
const SPEC = `fusegraph: 1
name: bn-net
inputs:
  image: [12, 12, 3]
nodes:
  conv: { op: conv2d, input: image, filters: 8, kernelSize: 3, padding: same, useBias: false }
  bn: { op: batchNorm, input: conv }
  relu: { op: activation, input: bn, fn: relu }
  drop: { op: dropout, input: relu, rate: 0.3 }
  pool: { op: globalAvgPool, input: drop }
  logits: { op: dense, input: pool, units: 4 }
outputs: [logits]
`;

let dir = "";
const inDir = (argv: string[]) => run(argv, { cwd: dir });
const classes = (out: string) =>
  [...readFileSync(join(dir, out, "model.json"), "utf8").matchAll(/"class_name":"(\w+)"/g)].map((m) => m[1]);

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "fusegraph-optimize-"));
  writeFileSync(join(dir, "net.yaml"), SPEC);
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("fusegraph compile --optimize inference", () => {
  it("writes a model without BatchNormalization, Activation or Dropout layers and with the same outputs", async () => {
    const opt = await inDir(["compile", "net.yaml", "--optimize", "inference", "--out", "opt", "--json"]);
    expect(opt.code, opt.stderr).toBe(0);
    expect(JSON.parse(opt.stdout)).toMatchObject({ ok: true, backend: "tfjs", target: "trainable" });
    expect((await inDir(["compile", "net.yaml", "--out", "plain"])).code).toBe(0);
    const removable = (cs: (string | undefined)[]) =>
      cs.filter((c) => c === "BatchNormalization" || c === "Activation" || c === "Dropout");
    expect(removable(classes("plain"))).toHaveLength(3);
    expect(removable(classes("opt"))).toEqual([]);
    const [plain, optimized] = [await loadModel(join(dir, "plain")), await loadModel(join(dir, "opt"))];
    try {
      const x = tf.randomNormal([2, 12, 12, 3], 0, 1, "float32", 3);
      const want = (plain.predict(x) as tf.Tensor).dataSync();
      const got = (optimized.predict(x) as tf.Tensor).dataSync();
      const scale = Math.max(1, ...Array.from(want, Math.abs));
      const err = Math.max(...Array.from(got, (g, i) => Math.abs(g - (want[i] ?? 0))));
      expect(err / scale).toBeLessThan(1e-4);
      // Negative control: the unoptimised model differs from a model of other weights.
      expect((await inDir(["compile", "net.yaml", "--seed", "9", "--out", "other"])).code).toBe(0);
      const other = await loadModel(join(dir, "other"));
      const diff = (other.predict(x) as tf.Tensor).dataSync();
      other.dispose();
      expect(Math.max(...Array.from(diff, (d, i) => Math.abs(d - (want[i] ?? 0))))).toBeGreaterThan(1e-3);
    } finally {
      plain.dispose();
      optimized.dispose();
    }
  });

  it("is refused with --backend cpu and for an unknown mode (exit 2)", async () => {
    const cpu = await inDir([
      "compile",
      "net.yaml",
      "--backend",
      "cpu",
      "--optimize",
      "inference",
      "--out",
      "w",
    ]);
    expect(cpu.code).toBe(2);
    expect(cpu.stderr).toMatch(/--optimize applies to --backend tfjs only/);
    const bad = await inDir(["compile", "net.yaml", "--optimize", "fast", "--out", "w2"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/expected one of: none, inference/);
  });
});
