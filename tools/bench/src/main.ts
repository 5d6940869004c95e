/**
 * `npm run bench` (the engines section): every engine on every network, interleaved, each engine in its
 * own process. Prints markdown to stdout, progress to stderr, and writes docs/bench/bench.json and
 * docs/bench/bench.svg (or BENCH_OUT's folder).
 * Options: --busy (or BENCH_BUSY=1), --profile, BENCH_ONLY=<network>, BENCH_ROUNDS, BENCH_BATCH, BENCH_WARMUP,
 * BENCH_ENGINES=<id,id>, BENCH_OUT=<dir> ("-" writes nothing).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ENGINES, type EngineId, engineInfo } from "./engines.js";
import { DEFAULT_NETWORKS, type NetworkId, network } from "./networks.js";
import { markdown } from "./report.js";
import { runBench } from "./run.js";
import { renderChart } from "./svg.js";

/** A bad option: the message and exit code 2 (usage), never a stack trace. */
function usage(message: string): never {
  process.stderr.write(`bench: ${message}\n`);
  process.exit(2);
}

function int(name: string, fallback: number, min: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const v = Number(raw);
  if (!Number.isInteger(v) || v < min) usage(`${name} must be an integer ≥ ${min}, got "${raw}"`);
  return v;
}

const args = process.argv.slice(2);
for (const a of args)
  if (!["--busy", "--profile"].includes(a)) usage(`unknown option ${a} (use --busy, --profile)`);
const only = process.env.BENCH_ONLY;
const networks: NetworkId[] = only ? [only as NetworkId] : [...DEFAULT_NETWORKS];
for (const n of networks) {
  if (!network(n)) usage(`BENCH_ONLY=${n} is not a network (${DEFAULT_NETWORKS.join(", ")}, tiny)`);
}
const engines = (process.env.BENCH_ENGINES?.split(",") ?? ENGINES.map((e) => e.id)) as EngineId[];
for (const e of engines) if (!engineInfo(e)) usage(`BENCH_ENGINES: unknown engine ${e}`);
const batch = process.env.BENCH_BATCH ? int("BENCH_BATCH", 1, 1) : undefined;

const result = await runBench({
  networks,
  ...(batch !== undefined ? { batches: [batch] } : {}),
  engines,
  warmup: int("BENCH_WARMUP", 2, 1),
  rounds: int("BENCH_ROUNDS", 7, 1),
  busy: args.includes("--busy") || process.env.BENCH_BUSY === "1",
  profile: args.includes("--profile"),
  childScript: fileURLToPath(new URL("./child.js", import.meta.url)),
  log: (line) => process.stderr.write(`${line}\n`),
});
process.stdout.write(markdown(result));
const out = process.env.BENCH_OUT ?? fileURLToPath(new URL("../../../docs/bench/", import.meta.url));
if (out !== "-") {
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, "bench.json"), `${JSON.stringify(result, null, 2)}\n`);
  writeFileSync(join(out, "bench.svg"), renderChart(result));
  process.stdout.write(`\nwrote ${join(out, "bench.json")} and ${join(out, "bench.svg")}\n`);
}
