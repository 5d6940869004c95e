/**
 * One training step (model.fit on one batch) of U-Net-lite and HED-lite: tfjs-cpu vs tfjs-wasm with
 * enableWasmTraining, plus tfjs-wasm with the GEMM kernels except tfjs's own Conv2DBackpropInput (to
 * decide which Conv2DBackpropInput to keep). Engines run interleaved in one process, round by round after
 * warm-up; it prints median steps/s per engine and the median/min/max of per-round speed-ups, with the
 * load average before and after, and writes the figures as JSON (BENCH_JSON, default out/train-step.json).
 * Options (env): BENCH_ROUNDS (default 7), BENCH_ONLY=unet|hed.
 * Run: npm run build, then node packages/train/dist/bench/train-step.js. Not a test: nothing asserts.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { dirname } from "node:path";
import { compile } from "@fusegraph/backend-tfjs";
import { graphCost, loadGraph, type SpecDocumentInput } from "@fusegraph/dsl";
import { hed, unet } from "@fusegraph/examples";
import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";
import { enableWasmTraining } from "../kernels/enable.js";

interface Workload {
  name: "unet" | "hed";
  title: string;
  spec: SpecDocumentInput;
  batch: number;
  /** Loss of each output from logits. */
  loss: (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Tensor;
}

const workloads: Workload[] = [
  {
    name: "unet",
    title: "U-Net-lite: same padding, 32x32x1, base 8 filters, 2 classes, batch 2",
    spec: unet({ padding: "same", inputShape: [32, 32, 1], baseFilters: 8, classes: 2 }),
    batch: 2,
    loss: (t, p) => tf.losses.softmaxCrossEntropy(t, p),
  },
  {
    name: "hed",
    title: "HED-lite: VGG16 HED at 16x16x3, batch 1",
    spec: hed({ inputShape: [16, 16, 3] }),
    batch: 1,
    loss: (t, p) => tf.losses.sigmoidCrossEntropy(t, p),
  },
];

interface Engine {
  name: string;
  backend: "cpu" | "wasm";
  /** Run with tfjs-wasm's own Conv2DBackpropInput in place of the GEMM one. */
  theirBackpropInput?: boolean;
}

const engines: Engine[] = [
  { name: "tfjs-cpu", backend: "cpu" },
  { name: "wasm+gemm", backend: "wasm" },
  { name: "wasm+gemm, tfjs's Conv2DBackpropInput", backend: "wasm", theirBackpropInput: true },
];

/** tfjs-wasm's own Conv2DBackpropInput config and the GEMM one, to swap in place for one step. */
let backpropInput: { theirs: tf.KernelConfig; ours: tf.KernelConfig } | undefined;

function useBackpropInput(config: tf.KernelConfig): void {
  tf.unregisterKernel(config.kernelName, "wasm");
  tf.registerKernel(config);
}

const median = (v: number[]) => {
  const s = [...v].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const load = () => loadavg().map((v) => Number(v.toFixed(2)));
const out = (line: string) => process.stdout.write(`${line}\n`);

/** A step runner for one engine: its own model and data, built on its backend. */
async function prepareStep(w: Workload, e: Engine): Promise<() => Promise<number>> {
  await tf.setBackend(e.backend);
  const graph = loadGraph(w.spec);
  const model = compile(graph, { seed: 1 });
  model.compile({ optimizer: tf.train.adam(1e-3), loss: graph.outputs.map(() => w.loss) });
  const [input] = graph.inputs;
  if (!input) throw new Error("the workload has an input");
  const x = tf.randomUniform([w.batch, ...input.shape], -1, 1, "float32", 1);
  const ys = graph.outputs.map((id, k) => {
    const node = graph.nodes.find((n) => n.id === id);
    return tf.randomUniform([w.batch, ...(node?.shape ?? [])], 0, 1, "float32", 10 + k).round();
  });
  return async () => {
    await tf.setBackend(e.backend);
    if (e.theirBackpropInput && backpropInput) useBackpropInput(backpropInput.theirs);
    try {
      const t = performance.now();
      await model.fit(x, ys, { epochs: 1, batchSize: w.batch, shuffle: false, verbose: 0 });
      return performance.now() - t;
    } finally {
      if (e.theirBackpropInput && backpropInput) useBackpropInput(backpropInput.ours);
    }
  };
}

async function main(): Promise<void> {
  tf.env().set("PROD", true);
  await tf.setBackend("wasm");
  const theirs = tf.getKernel("Conv2DBackpropInput", "wasm");
  const handle = enableWasmTraining();
  backpropInput = { theirs, ours: tf.getKernel("Conv2DBackpropInput", "wasm") };
  const rounds = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 7));
  const only = process.env.BENCH_ONLY;
  const results: unknown[] = [];
  for (const w of workloads.filter((x) => !only || x.name === only)) {
    const graph = loadGraph(w.spec);
    const gmacs = (graphCost(graph).total.macs * w.batch) / 1e9;
    out(`\n${w.title} (forward ${gmacs.toFixed(3)} GMACs per step)`);
    const steps: (() => Promise<number>)[] = [];
    for (const e of engines) steps.push(await prepareStep(w, e));
    // Warm-up: compiles wasm, starts the worker threads, lets the optimizer create its slots.
    // NOTE: one step each: a tfjs-cpu step takes tens of seconds (its Conv2DBackpropFilter is a slow loop).
    for (const s of steps) await s();
    const loadBefore = load();
    const ms: number[][] = engines.map(() => []);
    for (let r = 0; r < rounds; r++) {
      // Rotate the order each round so no engine always runs right after another.
      for (let i = 0; i < engines.length; i++) {
        const k = (i + r) % engines.length;
        ms[k]!.push(await steps[k]!());
      }
    }
    const loadAfter = load();
    const ratios = (k: number) => ms[0]!.map((c, r) => c / ms[k]![r]!);
    out(`load average before ${loadBefore.join(" ")}, after ${loadAfter.join(" ")}; ${rounds} rounds`);
    out(
      "engine                                   median ms  steps/s  speed-up vs tfjs-cpu (median [min, max])",
    );
    const rows = engines.map((e, k) => {
      const med = median(ms[k]!);
      const rs = ratios(k);
      const row = {
        engine: e.name,
        medianMs: med,
        stepsPerSecond: 1000 / med,
        ratio: { median: median(rs), min: Math.min(...rs), max: Math.max(...rs) },
        ms: ms[k],
      };
      out(
        `${e.name.padEnd(40)} ${med.toFixed(1).padStart(9)}  ${(1000 / med).toFixed(2).padStart(7)}  ` +
          `${row.ratio.median.toFixed(2)}x [${row.ratio.min.toFixed(2)}, ${row.ratio.max.toFixed(2)}]`,
      );
      return row;
    });
    results.push({
      workload: w.name,
      title: w.title,
      batch: w.batch,
      forwardGmacs: gmacs,
      loadBefore,
      loadAfter,
      rounds,
      rows,
    });
  }
  handle.dispose();
  const file = process.env.BENCH_JSON ?? "out/train-step.json";
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify({ date: new Date().toISOString(), results }, null, 2)}\n`);
  out(`\nwrote ${file}`);
}

await main();
