#!/usr/bin/env node
// `npm run bench` (after the build). Not a test: it prints figures.
// 1. The dsl: validate + shape inference + cost of a 1,000-node spec (and with YAML parsing).
// 2. fusegraph's CPU executor against tfjs-cpu and tfjs-wasm on a 3x3 conv and ResNet-50, as a markdown
//    report with ratios (see packages/backend-cpu/src/bench/main.ts).
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const { runValidateBench } = await import(
  new URL("../packages/dsl/dist/bench/validate-bench.js", import.meta.url).href
);
const dsl = runValidateBench(15);
console.log("## dsl: 1,000-node spec (median of 15)\n");
console.log(
  `- validate + infer + cost of the parsed document: ${dsl.fromDocument.toFixed(1)} ms (goal < 50 ms)`,
);
console.log(`- the same from YAML text (parse with locations included): ${dsl.fromText.toFixed(1)} ms\n`);

const main = fileURLToPath(new URL("../packages/backend-cpu/dist/bench/main.js", import.meta.url));
const run = spawnSync(process.execPath, [main], { stdio: "inherit" });
process.exit(run.status ?? 1);
