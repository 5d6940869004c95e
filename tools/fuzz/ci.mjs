#!/usr/bin/env node
// `npm run fuzz`: the fuzz project with a fresh, printed seed. The dsl property is split into one shard
// per core (seed, seed+1, ...), each its own vitest process; then the backends, CLI and corpus tests.
// Counts come from FUSEGRAPH_FUZZ_RUNS (dsl, total over shards), FUSEGRAPH_FUZZ_BACKEND_RUNS and
// FUSEGRAPH_FUZZ_CLI_RUNS; unset, each test's own default applies. Prints documents/s and the slowest
// documents; exits non-zero if any property failed (its output then holds the replay line and input).
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const here = fileURLToPath(new URL(".", import.meta.url));
const seed = Number(process.env.FUSEGRAPH_FUZZ_SEED || Math.floor(Date.now() / 1000));
const shards = Math.max(1, Math.min(2, availableParallelism()));
const dslRuns = process.env.FUSEGRAPH_FUZZ_RUNS ? Number(process.env.FUSEGRAPH_FUZZ_RUNS) : undefined;
const summaries = mkdtempSync(join(tmpdir(), "fusegraph-fuzz-"));

console.log(
  `fuzz: seed ${seed} (FUSEGRAPH_FUZZ_SEED=${seed}); dsl in ${shards} shard(s), seeds ${seed}..${seed + shards - 1}`,
);

/** Runs vitest on `files` with `env`; resolves with its exit code and everything it printed. */
function vitest(files, env) {
  return new Promise((resolve) => {
    const child = spawn("npx", ["vitest", "run", "--project", "fuzz", ...files], {
      cwd: here,
      env: { ...process.env, FUSEGRAPH_FUZZ_SUMMARY: summaries, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (d) => {
      out += d;
    });
    child.stderr.on("data", (d) => {
      out += d;
    });
    child.on("close", (code) => resolve({ code: code ?? 1, out }));
  });
}

const t0 = performance.now();
const dsl = await Promise.all(
  Array.from({ length: shards }, (_, k) => {
    const env = { FUSEGRAPH_FUZZ_SEED: String(seed + k) };
    if (dslRuns !== undefined) env.FUSEGRAPH_FUZZ_RUNS = String(Math.ceil(dslRuns / shards));
    return vitest(["src/dsl.test.ts"], env);
  }),
);
const dslSeconds = (performance.now() - t0) / 1000;
for (const [k, r] of dsl.entries()) console.log(`----- dsl shard ${k} (seed ${seed + k}) -----\n${r.out}`);

const t1 = performance.now();
const rest = await vitest(["src/backends.test.ts", "src/cli.test.ts", "src/corpus.test.ts"], {
  FUSEGRAPH_FUZZ_SEED: String(seed),
});
const restSeconds = (performance.now() - t1) / 1000;
console.log(`----- backends, CLI, corpus (seed ${seed}) -----\n${rest.out}`);

const read = readdirSync(summaries)
  .filter((f) => f.startsWith("dsl-"))
  .map((f) => JSON.parse(readFileSync(join(summaries, f), "utf8")));
rmSync(summaries, { recursive: true, force: true });
const documents = read.reduce((a, s) => a + s.documents, 0);
const slowest = read
  .flatMap((s) => s.slowest)
  .sort((a, b) => b.ms - a.ms)
  .slice(0, 5);
const maxHeap = Math.max(0, ...read.map((s) => s.maxHeapMiB));
const cpuSeconds = read.reduce((a, s) => a + (s.cpuSeconds ?? 0), 0);
const peakRss = Math.max(0, ...read.map((s) => s.maxRssMiB ?? 0));
console.log(
  [
    `fuzz: seed ${seed}`,
    `fuzz: dsl ${documents} documents in ${dslSeconds.toFixed(1)} s wall (${(documents / dslSeconds).toFixed(0)} documents/s over ${shards} shard(s); ${(documents / cpuSeconds).toFixed(0)} per CPU second); largest heap growth per document ${maxHeap.toFixed(1)} MiB; peak RSS of a shard ${peakRss.toFixed(0)} MiB`,
    "fuzz: slowest dsl documents:",
    ...slowest.map((s) => `  ${s.ms.toFixed(0).padStart(6)} ms  ${s.label} (${s.bytes} chars)`),
    `fuzz: backends, CLI and corpus in ${restSeconds.toFixed(1)} s`,
  ].join("\n"),
);
const failed = [...dsl, rest].filter((r) => r.code !== 0).length;
if (failed > 0) {
  console.log(`fuzz: FAILED (${failed} vitest run(s)); the output above holds the replay line and the input`);
  process.exit(1);
}
console.log("fuzz: ok");
