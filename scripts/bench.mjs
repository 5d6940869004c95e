#!/usr/bin/env node
// `npm run bench` (after the build). Not a test: it prints figures.
// 1. The dsl: validate + shape inference + cost of a 1,000-node spec (and with YAML parsing).
// 2. fusegraph's CPU executor against tfjs-cpu and tfjs-wasm on a 3x3 conv and ResNet-50, as a markdown
//    report with ratios (see packages/backend-cpu/src/bench/main.ts).
// 3. backend-tfjs's trainable and portable targets on ResNet-50, tfjs-wasm (packages/backend-tfjs/src/bench/portable.ts).
//    BENCH_ONLY=dsl|cpu|portable runs only that one.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const only = process.env.BENCH_ONLY;
if (!only || only === "dsl") {
  const { runValidateBench } = await import(
    new URL("../packages/dsl/dist/bench/validate-bench.js", import.meta.url).href
  );
  const dsl = runValidateBench(15);
  console.log("## dsl: 1,000-node spec (median of 15)\n");
  console.log(
    `- validate + infer + cost of the parsed document: ${dsl.fromDocument.toFixed(1)} ms (goal < 50 ms)`,
  );
  console.log(`- the same from YAML text (parse with locations included): ${dsl.fromText.toFixed(1)} ms\n`);
}

if (!only || only === "cpu") {
  const main = fileURLToPath(new URL("../packages/backend-cpu/dist/bench/main.js", import.meta.url));
  const run = spawnSync(process.execPath, [main], { stdio: "inherit" });
  if (run.status !== 0) process.exit(run.status ?? 1);
}

// 3. backend-tfjs: ResNet-50 compiled to the trainable target (custom layers, batchNorm as layers) and
//    to the portable one (built-in layers only, batchNorm folded), on tfjs-wasm in one process.
if (!only || only === "portable") {
  const tf = await import("@tensorflow/tfjs");
  await import("@tensorflow/tfjs-backend-wasm");
  await tf.setBackend("wasm");
  await tf.ready();
  const { resnet50Spec } = await import(
    new URL("../packages/backend-cpu/dist/bench/networks.js", import.meta.url).href
  );
  const { benchPortable, median } = await import(
    new URL("../packages/backend-tfjs/dist/bench/portable.js", import.meta.url).href
  );
  const rounds = Math.max(7, Number(process.env.BENCH_ROUNDS ?? 9));
  const r = await benchPortable(resnet50Spec(), { warmup: 2, rounds });
  console.log(
    `\n## ResNet-50 at 224x224, batch 1, tfjs-wasm: trainable vs portable (2 warm-up, ${r.rounds} interleaved rounds)\n`,
  );
  console.log("| target | layers | median ms | min ms | max ms |");
  console.log("|---|---|---|---|---|");
  for (const [name, t] of [
    ["trainable", r.trainableMs],
    ["portable", r.portableMs],
  ]) {
    console.log(
      `| ${name} | ${r.layers[name]} | ${median(t).toFixed(1)} | ${Math.min(...t).toFixed(1)} | ${Math.max(...t).toFixed(1)} |`,
    );
  }
  console.log(
    `per-round trainable/portable time: median ${median(r.ratios).toFixed(3)}x, range ${Math.min(...r.ratios).toFixed(3)}-${Math.max(...r.ratios).toFixed(3)}x; max |portable - trainable| ${r.maxAbsDiff.toExponential(2)} (output scale ${r.outputScale.toExponential(2)})`,
  );
}
