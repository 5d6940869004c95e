#!/usr/bin/env node
// `npm run bench` (after the build): fusegraph's CPU executor against tfjs-cpu and tfjs-wasm on a 3x3 conv
// and ResNet-50. Not a test: it prints a markdown report. See packages/backend-cpu/src/bench/main.ts.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const main = fileURLToPath(new URL("../packages/backend-cpu/dist/bench/main.js", import.meta.url));
const run = spawnSync(process.execPath, [main], { stdio: "inherit" });
process.exit(run.status ?? 1);
