import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadWeights } from "@fusegraph/backend-cpu";
import { type Graph, initWeights } from "@fusegraph/dsl";
import { evaluate, sparkline } from "@fusegraph/train";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadTfjs, predictTfjs, runCpu } from "../src/backends.js";
import { makeStyle } from "../src/output.js";
import { loadRunGraph } from "../src/train/ablation-page.js";
import { epochLine, formatDuration, progressBar, TrainProgress } from "../src/train/progress.js";
import { renderHistory, type TrainJson } from "../src/train/render.js";
import { fakeIO, run, STACK_FRAME } from "./helpers.js";

// `fusegraph train` in-process (runCli with captured output). The brief's run: tiny-unet on shapes,
// 3 epochs, default engine; its checkpoint must reload to the same held-out numbers.

let cwd = "";
let graph: Graph;
let trained: TrainJson;
let trainedStderr = "";
let trainedCode = -1;

beforeAll(async () => {
  cwd = mkdtempSync(join(tmpdir(), "fusegraph-train-"));
  graph = await loadRunGraph("sample:tiny-unet", fakeIO().io);
  const r = await run(
    ["train", "sample:tiny-unet", "--task", "shapes", "--epochs", "3", "--out", "run", "--json"],
    { cwd },
  );
  trainedCode = r.code;
  trainedStderr = r.stderr;
  trained = JSON.parse(r.stdout) as TrainJson;
}, 120_000);

afterAll(() => {
  if (cwd) rmSync(cwd, { recursive: true, force: true });
});

describe("fusegraph train sample:tiny-unet --task shapes --epochs 3", () => {
  it("lowers the held-out loss, with --json's fields", () => {
    expect(trainedCode, trainedStderr).toBe(0);
    expect(Object.keys(trained)).toEqual([
      "spec",
      "task",
      "metric",
      "engine",
      "epochs",
      "batch",
      "lr",
      "seed",
      "history",
      "initial",
      "steps",
      "trainMs",
      "stepsPerSecond",
      "stopped",
      "out",
    ]);
    expect(trained).toMatchObject({
      spec: "sample:tiny-unet",
      task: "shapes",
      epochs: 3,
      batch: 8,
      lr: 1e-3,
      seed: 0,
    });
    expect(trained.engine).toBe("wasm");
    expect(trained.history.map((h) => h.epoch)).toEqual([1, 2, 3]);
    expect(trained.history[2]!.valLoss).toBeLessThan(trained.initial.valLoss);
    expect(trained.stopped).toBe(false);
    expect(trained.out).toBe("run");
    // Piped: one plain progress line per epoch on stderr, never a stack.
    expect(trainedStderr.match(/^epoch \d\/3 /gm)).toHaveLength(3);
    expect(trainedStderr).not.toMatch(STACK_FRAME);
  });

  it("writes a checkpoint whose weights give the same held-out loss and metric (fusegraph weights, evaluate)", async () => {
    const dir = join(cwd, "run");
    expect(readdirSync(dir).sort()).toEqual([
      "curves.svg",
      "history.json",
      "model.json",
      "model.weights.bin",
      "weights.bin",
      "weights.json",
    ]);
    const last = trained.history[2]!;
    const weights = await loadWeights(dir, graph);
    const again = await evaluate(graph, weights, { task: "shapes", seed: 0 });
    expect(again.valLoss).toBeCloseTo(last.valLoss, 5);
    expect(again.metric).toBeCloseTo(last.metric, 5);
    // Negative control: the untrained weights of the same seed do not reproduce those numbers.
    const untrained = await evaluate(graph, initWeights(graph, { seed: 0 }), { task: "shapes", seed: 0 });
    expect(Math.abs(untrained.valLoss - last.valLoss)).toBeGreaterThan(1e-3);
    const history = JSON.parse(readFileSync(join(dir, "history.json"), "utf8")) as Record<string, unknown>;
    expect(history).toMatchObject({ format: "fusegraph-training", finished: true, history: trained.history });
    expect(readFileSync(join(dir, "curves.svg"), "utf8")).toMatch(
      /^<svg[\s\S]*held-out loss[\s\S]*<\/svg>\n?$/,
    );
  });

  it("its tfjs model predicts what backend-cpu computes from its fusegraph weights", async () => {
    const dir = join(cwd, "run");
    const tfjs = await loadTfjs("wasm");
    const model = await tfjs.loadModel(dir);
    const x = {
      shape: [1, 68, 68, 1],
      data: Float32Array.from({ length: 68 * 68 }, (_, i) => Math.sin(i) * 0.5 + 0.5),
    };
    try {
      const fromModel = (await predictTfjs(model, graph, { image: x })).probs!;
      const fromWeights = (await runCpu(graph, await loadWeights(dir, graph), { image: x })).probs!;
      const untrained = (await runCpu(graph, initWeights(graph, { seed: 0 }), { image: x })).probs!;
      const maxDiff = (a: Float32Array, b: Float32Array) =>
        a.reduce((m, v, i) => Math.max(m, Math.abs(v - (b[i] ?? 0))), 0);
      expect(maxDiff(fromModel.data, fromWeights.data)).toBeLessThan(1e-4);
      // Negative control: the untrained weights' prediction is told apart.
      expect(maxDiff(untrained.data, fromWeights.data)).toBeGreaterThan(1e-3);
    } finally {
      model.dispose();
    }
  });

  it("the checkpoint is a --weights directory for run, and --out is not replaced without --force", async () => {
    const r = await run(["run", "sample:tiny-unet", "--random", "--weights", "run", "--backend", "cpu"], {
      cwd,
    });
    expect(r.code, r.stderr).toBe(0);
    const again = await run(
      ["train", "sample:tiny-unet", "--task", "shapes", "--epochs", "1", "--out", "run"],
      { cwd },
    );
    expect(again.code).toBe(2);
    expect(again.stderr.trim().split("\n")).toEqual([
      'fusegraph: error: output directory "run" already exists; pass --force to replace it',
    ]);
  });

  it("resumes from --weights (the first held-out loss is the checkpoint's)", async () => {
    const r = await run(
      [
        "train",
        "sample:tiny-unet",
        "--task",
        "shapes",
        "--epochs",
        "1",
        "--weights",
        "run",
        "--json",
        "--train-samples",
        "8",
      ],
      { cwd },
    );
    expect(r.code, r.stderr).toBe(0);
    const resumed = JSON.parse(r.stdout) as TrainJson;
    expect(resumed.initial.valLoss).toBeCloseTo(trained.history[2]!.valLoss, 5);
    expect(resumed.initial.valLoss).not.toBeCloseTo(trained.initial.valLoss, 3);
  });
});

describe("train: usage errors are one line, exit 2; a spec that does not fit is exit 1", () => {
  const cases: [string, string[], RegExp][] = [
    [
      "unknown task",
      ["--task", "nope"],
      /unknown task "nope"; the tasks are: shapes, edges, blobs, sequence/,
    ],
    ["--epochs 0", ["--task", "shapes", "--epochs", "0"], /--epochs.*expected an integer >= 1/],
    ["--lr -1", ["--task", "shapes", "--lr", "-1"], /--lr.*expected a positive number/],
    ["--engine gpu", ["--task", "shapes", "--engine", "gpu"], /expected one of: wasm, cpu/],
    [
      "--weights missing",
      ["--task", "shapes", "--weights", "no-such-dir"],
      /--weights "no-such-dir" is not a directory/,
    ],
  ];
  for (const [what, args, message] of cases) {
    it(what, async () => {
      const r = await run(["train", "sample:tiny-unet", ...args], { cwd });
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.stderr).toMatch(message);
    });
  }

  it("a spec whose output does not fit the task: task_mismatch issues like check's, exit 1", async () => {
    const spec = [
      "fusegraph: 1",
      "name: dense-head",
      "inputs:",
      "  x: [16]",
      "nodes:",
      "  y: { op: dense, input: x, units: 3 }",
      "outputs: [y]",
    ].join("\n");
    const r = await run(["train", "-", "--task", "shapes"], { cwd, stdin: spec });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/task_mismatch/);
    expect(r.stderr).toMatch(/does not fit the task "shapes"/);
    expect(r.stderr).not.toMatch(STACK_FRAME);
    // Negative control: a spec that fits trains (exit 0).
    const ok = await run(
      [
        "train",
        "sample:tiny-unet",
        "--task",
        "shapes",
        "--epochs",
        "1",
        "--train-samples",
        "8",
        "--val-samples",
        "4",
      ],
      { cwd },
    );
    expect(ok.code, ok.stderr).toBe(0);
  });
});

describe("train: rendering", () => {
  const step = { epoch: 2, epochs: 3, step: 5, stepsPerEpoch: 10, loss: 0.5, elapsedMs: 3000 };

  it("the progress bar shows epoch, step, loss, steps/s and the ETA", () => {
    // 15 steps done in 3 s: 5 steps/s, 15 left: 3 s.
    expect(progressBar(step, 15)).toBe(
      "epoch 2/3 ██████████░░░░░░░░░░ 5/10  loss 0.5000  5.0 steps/s  ETA 0:03",
    );
    expect(formatDuration(3725)).toBe("1:02:05");
  });

  it("a terminal gets one redrawn line on stderr; a pipe one line per epoch", () => {
    const tty = fakeIO({ tty: true });
    const p = new TrainProgress(tty.io, true);
    p.step(step);
    p.epoch({ epoch: 1, trainLoss: 0.7, valLoss: 0.6, metric: 0.3, elapsedMs: 1000 }, 3, "IoU");
    p.clear();
    const esc = "\r\u001b[K";
    expect(tty.stderr().startsWith(`${esc}epoch 2/3 `)).toBe(true);
    expect(tty.stderr().endsWith(esc)).toBe(true);
    expect(tty.stderr()).not.toContain("\n");
    const pipe = fakeIO();
    const q = new TrainProgress(pipe.io, false);
    q.step(step);
    q.epoch({ epoch: 1, trainLoss: 0.7, valLoss: 0.6, metric: 0.3, elapsedMs: 1000 }, 3, "IoU");
    expect(pipe.stderr()).toBe(
      `${epochLine({ epoch: 1, trainLoss: 0.7, valLoss: 0.6, metric: 0.3, elapsedMs: 1000 }, 3, "IoU")}\n`,
    );
    expect(pipe.stderr()).toBe("epoch 1/3  train loss 0.7000  held-out loss 0.6000  IoU 0.3000  (1.0 s)\n");
  });

  it("the table has the untrained model and every epoch, and a sparkline of the held-out loss", () => {
    const text = renderHistory(trained, sparkline, makeStyle({ stdout: { write: () => {} }, env: {} }));
    const rows = text.split("\n").filter((l) => /^\s+\d+\s/.test(l));
    expect(rows.map((l) => l.trim().split(/\s+/)[0])).toEqual(["0", "1", "2", "3"]);
    expect(text).toContain(sparkline([trained.initial.valLoss, ...trained.history.map((h) => h.valLoss)]));
  });
});
