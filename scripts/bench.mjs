#!/usr/bin/env node
// `npm run bench` (after the build). Not a test: it prints figures.
// 1. The dsl: validate + shape inference + cost of a 1,000-node spec (and with YAML parsing).
// 2. engines (tools/bench): backend-cpu (1 and all threads), fusegraph -> tfjs-wasm (plain and optimised),
//    hand-built tfjs layers on tfjs-wasm, onnxruntime-web and -node, tfjs-cpu, on ResNet-50, DenseNet-121,
//    U-Net small and FPN-ResNet-50, each engine in its own process, rounds interleaved; writes
//    docs/bench/bench.json and docs/bench/bench.svg. `-- --busy` (or BENCH_BUSY=1) runs a CPU-bound
//    neighbour beside it, `-- --profile` adds backend-cpu's per-kind profile. See tools/bench/src/main.ts.
// 3. backend-tfjs's trainable and portable targets on ResNet-50, tfjs-wasm (packages/backend-tfjs/src/bench/portable.ts).
// 4. hostile: each class of docs/limits.md in a fresh process: wall time, peak RSS, issue codes.
//    BENCH_ONLY=dsl|engines|portable|hostile runs only that section ("cpu" is the old name of engines);
//    BENCH_ONLY=resnet50|densenet121|unet|fpn runs only the engines section on that network.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const only = process.env.BENCH_ONLY;
const NETWORKS = ["resnet50", "densenet121", "unet", "fpn", "tiny"];
const engines = !only || only === "engines" || only === "cpu" || NETWORKS.includes(only);

// 4. hostile (see docs/limits.md): the classes that must each get issues (or a graph) in < 1 s and
//    < 300 MB, built by @fusegraph/dsl/testing (the inputs limits.test.ts asserts codes on), plus a
//    valid ResNet-50 at the node limit. A child runs one class: builds its input, then times
//    validateSpec (loadGraph for the sparse array) alone.
const RESNET_MAX = ["valid ResNet-50 at maxNodes", "resnetMax"];

async function hostileChild(name) {
  const dsl = new URL("../packages/dsl/dist/", import.meta.url).href;
  const { LIMITS, loadGraph, SpecError, validateSpec } = await import(`${dsl}index.js`);
  const { hostileInput } = await import(`${dsl}testing/index.js`);
  // ResNet-50 with layer3 repeated up to the node limit (14 ids per instance).
  const input =
    name === RESNET_MAX[1]
      ? readFileSync(
          new URL("../packages/dsl/src/__fixtures__/resnet50.yaml", import.meta.url),
          "utf8",
        ).replace("repeat: 6", `repeat: ${Math.floor((LIMITS.maxNodes - 200) / 14)}`)
      : hostileInput(name);
  const t0 = performance.now();
  let out;
  if (name === "sparse") {
    try {
      out = `graph of ${loadGraph(input).nodes.length} nodes`;
    } catch (e) {
      out = e instanceof SpecError ? [...new Set(e.issues.map((i) => i.code))].join(",") : `THREW ${e}`;
    }
  } else {
    const r = validateSpec(input);
    out = r.ok
      ? `graph of ${r.graph.nodes.length} nodes`
      : [...new Set(r.issues.map((i) => i.code))].join(",");
  }
  const ms = performance.now() - t0;
  process.stdout.write(JSON.stringify({ ms, maxRssMB: process.resourceUsage().maxRSS / 1024, out }));
}

if (process.argv[2] === "--hostile-child" && process.argv[3]) {
  await hostileChild(process.argv[3]);
  process.exit(0);
}
if (!only || only === "dsl") {
  const { runValidateBench } = await import(
    new URL("../packages/dsl/dist/bench/validate-bench.js", import.meta.url).href
  );
  const dsl = runValidateBench(15);
  console.log("## dsl: 1,000-node spec (median of 15)\n");
  console.log(
    `- validate + infer + cost of the parsed document: ${dsl.fromDocument.toFixed(1)} ms (goal < 50 ms)`,
  );
  console.log(`- the same from YAML text: ${dsl.fromText.toFixed(1)} ms\n`);
  // Text -> validated graph, the yaml package's located parse (before) against the subset reader (after).
  const { runParseBench, formatParseBench } = await import(
    new URL("../packages/dsl/dist/bench/parse.js", import.meta.url).href
  );
  console.log(formatParseBench(runParseBench(9), 9));
}

if (engines) {
  const main = fileURLToPath(new URL("../tools/bench/dist/main.js", import.meta.url));
  const env = { ...process.env };
  // NOTE: a section name is not a network; tools/bench reads BENCH_ONLY as one.
  if (!NETWORKS.includes(only)) delete env.BENCH_ONLY;
  const run = spawnSync(process.execPath, [main, ...process.argv.slice(2)], { stdio: "inherit", env });
  if (run.status !== 0) process.exit(run.status ?? 1);
}

// 3. backend-tfjs: ResNet-50 compiled to the trainable target (custom layers, batchNorm as layers) and
//    to the portable one (built-in layers only, batchNorm folded), on tfjs-wasm in one process.
if (!only || only === "portable") {
  const tf = await import("@tensorflow/tfjs");
  await import("@tensorflow/tfjs-backend-wasm");
  await tf.setBackend("wasm");
  await tf.ready();
  const { resnet } = await import(new URL("../packages/examples/dist/index.js", import.meta.url).href);
  const { benchPortable, median } = await import(
    new URL("../packages/backend-tfjs/dist/bench/portable.js", import.meta.url).href
  );
  const rounds = Math.max(7, Number(process.env.BENCH_ROUNDS ?? 9));
  const r = await benchPortable(resnet({ depth: 50 }), { warmup: 2, rounds });
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

if (!only || only === "hostile") {
  console.log("\n## hostile specs (docs/limits.md): each in a fresh process; goal < 1,000 ms and < 300 MB\n");
  console.log("| class | validate ms | peak RSS MB | result |");
  console.log("|---|---|---|---|");
  const self = fileURLToPath(import.meta.url);
  const { HOSTILE_CLASSES } = await import(
    new URL("../packages/dsl/dist/testing/index.js", import.meta.url).href
  );
  const rows = HOSTILE_CLASSES.map((c) => [c.label, c.key]);
  rows.splice(rows.findIndex(([, key]) => key === "sparse") + 1, 0, RESNET_MAX);
  for (const [label, name] of rows) {
    const run = spawnSync(process.execPath, [self, "--hostile-child", name], {
      encoding: "utf8",
      timeout: 120_000,
    });
    if (run.status !== 0) {
      console.log(
        `| ${label} | - | - | child failed (${run.status ?? run.signal}): ${run.stderr.trim().split("\n")[0]} |`,
      );
      continue;
    }
    const r = JSON.parse(run.stdout);
    console.log(`| ${label} | ${r.ms.toFixed(0)} | ${r.maxRssMB.toFixed(0)} | ${r.out} |`);
  }
}
