#!/usr/bin/env node
import { existsSync, statSync } from "node:fs";
import { cpuEngine } from "./cpu-engine.js";
import { formatResult, formatSummary, runSuite } from "./runner.js";
import { resolveSuiteDir } from "./suite-dir.js";

/**
 * `node dist/conformance/main.js [onnx-node dir]`: runs every ONNX node case on the CPU backend,
 * prints one line per case and the summary line, and exits 1 if any case failed or the directory
 * is missing.
 */
function main(argv: readonly string[]): number {
  const dir = resolveSuiteDir(argv[0]);
  if (dir === undefined || !existsSync(dir) || !statSync(dir).isDirectory()) {
    process.stderr.write(
      `onnx conformance: suite directory not found: ${dir ?? "(no repository root above this script)"}\n`,
    );
    return 1;
  }
  const suite = runSuite(dir, cpuEngine, (r) => process.stdout.write(`${formatResult(r)}\n`));
  process.stdout.write(`${formatSummary(suite)}\n`);
  return suite.failed > 0 ? 1 : 0;
}

process.exitCode = main(process.argv.slice(2));
